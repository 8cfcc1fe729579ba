package server

import (
	"net/http"
	"net/url"

	"github.com/outflowhq/outflow/engine"
)

// signalPath is the path of an execution's signal endpoint: where an outside system answers the
// wait step it is paused at.
func signalPath(executionID string) string {
	return "/v1/executions/" + url.PathEscape(executionID) + "/signal"
}

type signalBody struct {
	Token   string         `json:"token"`
	Payload map[string]any `json:"payload"`
}

// signal is POST /v1/executions/{executionId}/signal: the wait's single-use token (in the body,
// or in the callback URL's ?token=) and a payload resume an execution paused at a wait step, on
// any instance. It needs no management key: the token authorizes it, once.
func (s *Server) signal(w http.ResponseWriter, r *http.Request) {
	var body signalBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Token == "" {
		body.Token = r.URL.Query().Get("token")
	}
	resp, err := s.opts.Engine.Signal(r.Context(), r.PathValue("executionId"), engine.SignalRequest{Token: body.Token, Payload: body.Payload})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// withWaitToken adds, for the backend (a management-key caller), the token and callback URL of
// the wait an execution is paused at: the backend hands them to the outside system. The browser
// never sees them.
func (s *Server) withWaitToken(r *http.Request, resp *engine.Response) error {
	if resp == nil || resp.Wait == nil {
		return nil
	}
	tok, err := s.opts.Engine.WaitToken(r.Context(), resp.ExecutionID)
	if err != nil || tok == "" {
		return err
	}
	resp.Wait.Token = tok
	resp.Wait.CallbackURL = s.publicURL(r) + s.path(signalPath(resp.ExecutionID)) + "?token=" + url.QueryEscape(tok)
	return nil
}
