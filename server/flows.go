package server

import (
	"net/http"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/flows"
)

// flowRoutes registers the flow and execution routes. They are left out when the server has no
// Engine.
//
//	GET  /v1/flows                               management key; every flow (id, version,
//	                                             description, inputs)
//	GET  /v1/flows/{flowId}                      management key; one flow with its steps and its
//	                                             Mermaid diagram
//	POST /v1/flows/{flowId}/start                management key; {"input","userId","tenantId"} →
//	                                             the execution, plus a one-time browser link
//	POST /v1/executions/{executionId}/next       the nonce of the last response (and the browser's
//	                                             cookie when the execution is bound to one)
//	POST /v1/executions/{executionId}/signal     the single-use token of the wait step it is
//	                                             paused at; {"token","payload"}
//	GET  /v1/executions/{executionId}            management key; where the execution stands
//	GET  /v1/executions/{executionId}/events     management key; its event log
//	GET  /v1/executions/{executionId}/explain    management key; why it went where it went
//	                                             (JSON, or text with ?format=text)
func (s *Server) flowRoutes() {
	if s.opts.Engine == nil {
		return
	}
	// A definition shows every step and expression: it is for the backend. (The demo landing
	// page lists the flows it offers by name on its own.)
	s.handle("GET /v1/flows", s.management(s.listFlows))
	s.handle("GET /v1/flows/{flowId}", s.management(s.getFlow))
	if s.opts.Store != nil { // a start makes a one-time link, kept in Redis
		s.handle("POST /v1/flows/{flowId}/start", s.management(s.startFlow))
	}
	s.handle("POST /v1/executions/{executionId}/next", s.next)
	s.handle("POST /v1/executions/{executionId}/signal", s.signal)
	s.handle("GET /v1/executions/{executionId}", s.management(s.getExecution))
	s.handle("GET /v1/executions/{executionId}/events", s.management(s.events))
	s.handle("GET /v1/executions/{executionId}/explain", s.management(s.explain))
}

type flowInfo struct {
	ID          string      `json:"id"`
	Version     string      `json:"version,omitempty"`
	Description string      `json:"description,omitempty"`
	Hash        string      `json:"hash"`
	Inputs      []inputInfo `json:"inputs"`
	Steps       []stepInfo  `json:"steps,omitempty"`
	// Diagram is the flow as a Mermaid flowchart.
	Diagram string `json:"diagram,omitempty"`
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
		info.Diagram = flows.Mermaid(f)
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
	// OpenInBrowser defers the flow until a browser opens its one-time link: no step runs before,
	// so everything the flow does in the browser (an OAuth consent first of all) is bound to it.
	OpenInBrowser bool `json:"openInBrowser"`
}

// startResponse is the execution as started, with the one-time link that opens it in a browser.
type startResponse struct {
	*engine.Response
	Link *linkJSON `json:"link,omitempty"`
}

func (s *Server) startFlow(w http.ResponseWriter, r *http.Request) {
	var body startBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	resp, link, err := s.start(r, r.PathValue("flowId"), body)
	if err == nil {
		err = s.withWaitToken(r, resp)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.inLanguage(r, resp)
	writeJSON(w, http.StatusOK, startResponse{Response: resp, Link: link})
}

// start starts a flow for a subject and makes the one-time link that opens it in a browser.
func (s *Server) start(r *http.Request, flowID string, body startBody) (*engine.Response, *linkJSON, error) {
	resp, err := s.opts.Engine.Start(r.Context(), flowID, engine.StartRequest{
		Input:    body.Input,
		Subject:  actions.Subject{UserID: body.UserID, TenantID: body.TenantID},
		Deferred: body.OpenInBrowser,
	})
	if err != nil {
		return nil, nil, err
	}
	link, err := s.newLink(r.Context(), r, resp)
	if err != nil {
		return nil, nil, err
	}
	if resp.Pending && link != nil {
		// The client's next move is to send the browser to the link.
		resp.Redirect = &engine.Redirect{URL: link.URL}
	}
	return resp, link, nil
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
		Binding: bindingOf(browserCookie(r)),
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.inLanguage(r, resp)
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getExecution(w http.ResponseWriter, r *http.Request) {
	resp, err := s.opts.Engine.Get(r.Context(), r.PathValue("executionId"))
	if err == nil {
		err = s.withWaitToken(r, resp)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.inLanguage(r, resp)
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

func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	x, err := explain.Execution(r.Context(), s.opts.Engine, r.PathValue("executionId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(x.String()))
		return
	}
	writeJSON(w, http.StatusOK, x)
}
