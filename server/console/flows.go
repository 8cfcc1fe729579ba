package console

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
)

func (c *Console) flowRoutes() {
	if c.opts.Engine == nil {
		return
	}
	c.mux.HandleFunc("GET /flows", c.page(c.flowList))
	c.mux.HandleFunc("GET /flows/{flowId}", c.page(c.flowPage))
	c.mux.HandleFunc("GET /executions", c.page(c.executionList))
	c.mux.HandleFunc("GET /executions/{executionId}", c.page(c.executionPage))
}

type flowRow struct {
	ID, Description, Link, Coverage string
	Steps                           int
}

type flowsView struct {
	Flows          []flowRow
	ExecutionsLink string
}

// PageTitle implements titled.
func (flowsView) PageTitle() string { return "Flows" }

func (c *Console) coverage(id string) string {
	if c.opts.Coverage == nil {
		return ""
	}
	return c.opts.Coverage(id)
}

// flowList is GET /flows: every loaded flow.
func (c *Console) flowList(w http.ResponseWriter, r *http.Request, s *session) {
	v := flowsView{ExecutionsLink: c.path("/executions")}
	for _, f := range c.opts.Engine.Flows() {
		v.Flows = append(v.Flows, flowRow{ID: f.ID, Description: strings.TrimSpace(f.Description), Link: c.pathf("/flows", f.ID),
			Coverage: c.coverage(f.ID), Steps: len(f.Steps)})
	}
	c.render(w, r, http.StatusOK, "flows", s, v)
}

type inputRow struct {
	Name, Type, Description, Default string
	Required                         bool
}

type flowView struct {
	ID, Description, Version, File, Coverage, Mermaid string
	Inputs                                            []inputRow
	Diagram                                           template.HTML
	Steps                                             []stepText
	Executions                                        []execRow
	CoverageOn                                        bool
}

// PageTitle implements titled.
func (v flowView) PageTitle() string { return "Flow " + v.ID }

// flowPage is GET /flows/{flowId}: description, inputs, diagram, coverage and recent executions.
func (c *Console) flowPage(w http.ResponseWriter, r *http.Request, s *session) {
	f, ok := c.opts.Engine.Flow(r.PathValue("flowId"))
	if !ok {
		c.fail(w, r, s, engine.ErrFlowNotFound)
		return
	}
	v := flowView{ID: f.ID, Description: strings.TrimSpace(f.Description), Version: f.Version, File: filepath.Base(f.File),
		Coverage: c.coverage(f.ID), CoverageOn: c.opts.Coverage != nil, Mermaid: flows.Mermaid(f)}
	for _, in := range f.Inputs {
		row := inputRow{Name: in.Name, Type: in.Type.String(), Description: in.Description, Required: in.Required}
		if in.Default != nil {
			row.Default = jsonText(in.Default)
		}
		v.Inputs = append(v.Inputs, row)
	}
	v.Diagram, v.Steps = diagram(flows.GraphOf(f), f.ID)
	execs, err := c.recent(r.Context(), f.ID)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v.Executions = execs
	c.render(w, r, http.StatusOK, "flow", s, v)
}

// execRow is an execution in a list.
type execRow struct {
	ID, Flow, Status, Step, Subject, Expires, Link string
	expiresAt                                      time.Time
}

// maxScanned bounds how many execution records a list reads; maxListed how many it shows.
const (
	maxScanned = 500
	maxListed  = 50
)

// errEnough stops the scan once maxScanned records were seen.
var errEnough = errors.New("console: enough executions read")

// recent returns the most recent executions (of flowID, or of every flow when it is ""), newest
// first: those whose records Redis still holds, up to maxScanned read, by their expiry.
func (c *Console) recent(ctx context.Context, flowID string) ([]execRow, error) {
	keys := c.opts.Store.Keys()
	var ids []string
	err := c.opts.Store.Scan(ctx, keys.ExecutionPattern(), func(key string) error {
		if id, ok := keys.ExecutionID(key); ok {
			ids = append(ids, id)
		}
		if len(ids) >= maxScanned {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	var out []execRow
	for _, id := range ids {
		resp, err := c.opts.Engine.Get(ctx, id)
		if err != nil {
			continue // expired or removed since the scan
		}
		if flowID != "" && resp.FlowID != flowID {
			continue
		}
		out = append(out, c.execRow(resp))
	}
	slices.SortFunc(out, func(a, b execRow) int { return b.expiresAt.Compare(a.expiresAt) })
	if len(out) > maxListed {
		out = out[:maxListed]
	}
	return out, nil
}

func (c *Console) execRow(resp *engine.Response) execRow {
	subject := "—"
	switch {
	case resp.Subject.UserID != "":
		subject = "user " + resp.Subject.UserID
	case resp.Subject.TenantID != "":
		subject = "tenant " + resp.Subject.TenantID
	}
	return execRow{ID: resp.ExecutionID, Flow: resp.FlowID, Status: string(resp.Status), Step: resp.StepID, Subject: subject,
		Expires: when(resp.ExpiresAt), Link: c.pathf("/executions", resp.ExecutionID), expiresAt: resp.ExpiresAt}
}

type executionsView struct{ Executions []execRow }

// PageTitle implements titled.
func (executionsView) PageTitle() string { return "Executions" }

// executionList is GET /executions.
func (c *Console) executionList(w http.ResponseWriter, r *http.Request, s *session) {
	execs, err := c.recent(r.Context(), "")
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "executions", s, executionsView{Executions: execs})
}
