package server

import (
	"errors"
	"net/http"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// errorBody is the JSON every error answers with.
type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Restart tells a client how to start an expired execution again.
	Restart *restart `json:"restart,omitempty"`
}

type restart struct {
	FlowID string         `json:"flowId"`
	Input  map[string]any `json:"input,omitempty"`
}

// httpError is an error with a status and a message for clients.
type httpError struct {
	status int
	body   apiError
}

func (e *httpError) Error() string { return e.body.Message }

func errNotFound(msg string) error {
	return &httpError{status: http.StatusNotFound, body: apiError{Code: "not_found", Message: msg}}
}

func errInvalid(fields map[string]string) error {
	return &httpError{status: http.StatusBadRequest, body: apiError{Code: "invalid_request", Message: "the request has invalid fields", Fields: fields}}
}

// fail maps err to a status and a JSON error body. It is the only place that does; debug detail
// goes to the log, never to the client.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.classify(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "status", status, "error", err)
	}
	writeJSON(w, status, errorBody{Error: body})
}

func (s *Server) classify(err error) (int, apiError) {
	var (
		he *httpError
		be *bodyError
		ie *engine.InputError
		ee *engine.ExpiredError
		ce *engine.ConflictError
		ve *outbound.ValidationError
	)
	switch {
	case errors.As(err, &he):
		return he.status, he.body
	case errors.As(err, &be):
		return be.status, apiError{Code: "invalid_body", Message: be.msg}
	case errors.As(err, &ie):
		return http.StatusBadRequest, apiError{Code: "invalid_input", Message: "the input has invalid fields", Fields: ie.Fields}
	case errors.As(err, &ee):
		return http.StatusGone, apiError{Code: "expired", Message: "This flow took too long and expired. Start it again.",
			Restart: &restart{FlowID: ee.FlowID, Input: ee.Input}}
	case errors.As(err, &ce):
		return http.StatusConflict, apiError{Code: "conflict", Message: ce.Reason}
	case errors.Is(err, engine.ErrFlowNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no flow has this id"}
	case errors.Is(err, engine.ErrExecutionNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no execution has this id"}
	case errors.As(err, &ve):
		return http.StatusBadRequest, apiError{Code: "invalid_app", Message: ve.Error(), Fields: appFields(ve)}
	case errors.Is(err, outbound.ErrAppNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no app has this id"}
	case errors.Is(err, outbound.ErrTemplateNotFound):
		return http.StatusNotFound, apiError{Code: "not_found", Message: "no template has this id; GET /v1/templates lists them"}
	case errors.Is(err, outbound.ErrAppExists):
		return http.StatusConflict, apiError{Code: "app_exists", Message: "an app with this id already exists; choose another id, or change the app with PATCH /v1/apps/{id}"}
	case isConnectionError(err):
		return connectionError(err)
	case isAPIKeyError(err):
		return apikeyError(err)
	case errors.Is(err, store.ErrUnavailable):
		return http.StatusServiceUnavailable, apiError{Code: "unavailable", Message: "storage is unavailable; try again shortly"}
	}
	return http.StatusInternalServerError, apiError{Code: "internal", Message: "internal error"}
}

// appFields maps a validation error to the fields of the error body, one message per field.
func appFields(ve *outbound.ValidationError) map[string]string {
	out := make(map[string]string, len(ve.Fields))
	for _, f := range ve.Fields {
		if f.Field != "" {
			out[f.Field] = f.Message
		}
	}
	return out
}
