package server

import (
	"net/http"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
)

type flowInfo struct {
	ID          string      `json:"id"`
	Version     string      `json:"version,omitempty"`
	Description string      `json:"description,omitempty"`
	Hash        string      `json:"hash"`
	Inputs      []inputInfo `json:"inputs"`
	Steps       []stepInfo  `json:"steps,omitempty"`
	Diagram     string      `json:"diagram,omitempty"`
}

type inputInfo struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
}

type stepInfo struct {
	ID       string   `json:"id"`
	Action   string   `json:"action"`
	Outcomes []string `json:"outcomes,omitempty"`
}

func describeFlow(f *flows.Flow, full bool) flowInfo {
	info := flowInfo{ID: f.ID, Version: f.Version, Description: f.Description, Hash: f.Hash, Inputs: []inputInfo{}}
	for _, in := range f.Inputs {
		info.Inputs = append(info.Inputs, inputInfo{Name: in.Name, Type: in.Type.String(), Required: in.Required, Default: in.Default, Description: in.Description})
	}
	if full {
		for _, st := range f.Steps {
			info.Steps = append(info.Steps, stepInfo{ID: st.ID, Action: st.Kind.Name, Outcomes: st.Outcomes})
		}
	}
	return info
}

func (s *Server) listFlows(w http.ResponseWriter, r *http.Request) {
	out := []flowInfo{}
	for _, f := range s.opts.Engine.Flows() {
		out = append(out, describeFlow(f, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"flows": out})
}

func (s *Server) getFlow(w http.ResponseWriter, r *http.Request) {
	f, ok := s.opts.Engine.Flow(r.PathValue("flowId"))
	if !ok {
		s.fail(w, r, engine.ErrFlowNotFound)
		return
	}
	writeJSON(w, http.StatusOK, describeFlow(f, true))
}

type startBody struct {
	Input    map[string]any `json:"input"`
	UserID   string         `json:"userId"`
	TenantID string         `json:"tenantId"`
}

func (s *Server) startFlow(w http.ResponseWriter, r *http.Request) {
	var body startBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := s.opts.Engine.Start(r.Context(), r.PathValue("flowId"), engine.StartRequest{
		Input:   body.Input,
		Subject: actions.Subject{UserID: body.UserID, TenantID: body.TenantID},
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

type nextBody struct {
	StepID      string         `json:"stepId"`
	Interaction string         `json:"interaction"`
	Input       map[string]any `json:"input"`
	Nonce       string         `json:"nonce"`
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	var body nextBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	fields := map[string]string{}
	if body.Nonce == "" {
		fields["nonce"] = "is required: send the nonce of the last response"
	}
	if body.Interaction == "" {
		fields["interaction"] = "is required: send the id of the pressed button"
	}
	if len(fields) > 0 {
		s.fail(w, r, errInvalid(fields))
		return
	}
	resp, err := s.opts.Engine.Next(r.Context(), r.PathValue("executionId"), engine.NextRequest{
		StepID: body.StepID, Interaction: body.Interaction, Input: body.Input, Nonce: body.Nonce,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getExecution(w http.ResponseWriter, r *http.Request) {
	resp, err := s.opts.Engine.Get(r.Context(), r.PathValue("executionId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("executionId")
	if _, err := s.opts.Engine.Get(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.opts.Engine.Events(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"executionId": id, "events": evs})
}
