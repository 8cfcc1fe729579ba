package sandbox

import (
	"encoding/json"
	"net/http"
)

// oauthError is the RFC 6749 error body of token, revocation, introspection and resource
// responses.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// writeJSON writes v as the JSON body of a response that must not be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// writeUnauthorized answers a protected-resource request whose credential is missing (code "")
// or invalid (code "invalid_token"), as RFC 6750 section 3 describes.
func writeUnauthorized(w http.ResponseWriter, code string, body any) {
	challenge := `Bearer realm="outflow-sandbox"`
	if code != "" {
		challenge += `, error="` + code + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, body)
}
