package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
)

// readJSON decodes a request body strictly into v: one JSON object within the size limit, every
// field name exactly as documented (case included), no unknown field and no field twice, at any
// depth.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &bodyError{msg: "the body must be JSON (Content-Type: application/json)", status: http.StatusUnsupportedMediaType}
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		return &bodyError{msg: describeReadError(err), status: statusOf(err)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &bodyError{msg: "the body is empty; send a JSON object", status: http.StatusBadRequest}
	}
	if err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return &bodyError{msg: describeJSONError(err, v), status: http.StatusBadRequest}
	}
	return nil
}

// bodyError is a malformed request body.
type bodyError struct {
	msg    string
	status int
}

func (e *bodyError) Error() string { return e.msg }

func statusOf(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
