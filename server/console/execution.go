package console

import (
	"encoding/json"
	"net/http"

	"github.com/outflowhq/outflow/engine/explain"
)

type eventRow struct {
	Seq                  int
	At, Type, Step, Data string
}

type executionView struct {
	Exec        execRow
	FlowLink    string
	Explanation string
	Events      []eventRow
	Error       string
}

// PageTitle implements titled.
func (v executionView) PageTitle() string { return "Execution " + v.Exec.ID }

// executionPage is GET /executions/{executionId}: the execution, its "why did it branch"
// explanation and its events, as GET /v1/executions/{id}/explain and /events give them (the
// event log holds no secret: the engine redacts secret values before they are logged).
func (c *Console) executionPage(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("executionId")
	resp, err := c.opts.Engine.Get(r.Context(), id)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	x, err := explain.Execution(r.Context(), c.opts.Engine, id)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	evs, err := c.opts.Engine.Events(r.Context(), id)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := executionView{Exec: c.execRow(resp), FlowLink: c.pathf("/flows", resp.FlowID), Explanation: x.String()}
	if resp.Error != nil {
		v.Error = resp.Error.Code + ": " + resp.Error.Message
	}
	for _, ev := range evs {
		row := eventRow{Seq: ev.Seq, At: ev.At.UTC().Format("15:04:05.000"), Type: ev.Type, Step: ev.StepID}
		if len(ev.Data) > 0 {
			row.Data = jsonText(ev.Data)
		}
		v.Events = append(v.Events, row)
	}
	c.render(w, r, http.StatusOK, "execution", s, v)
}

// jsonText is v as compact JSON.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
