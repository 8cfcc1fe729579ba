package sandbox

import "net/http"

// rfcError is an OAuth error (RFC 6749 sections 4.1.2.1 and 5.2): the code a client sees, a
// description for a person, and the HTTP status when it is not a redirect. Descriptions never
// contain tokens, codes or secrets.
type rfcError struct {
	code        string
	description string
	status      int
}

func (e *rfcError) Error() string { return e.code + ": " + e.description }

func invalidRequest(description string) *rfcError {
	return &rfcError{code: "invalid_request", description: description, status: http.StatusBadRequest}
}

func invalidGrant(description string) *rfcError {
	return &rfcError{code: "invalid_grant", description: description, status: http.StatusBadRequest}
}

// writeOAuthError writes err as the JSON error body of a token, revocation or introspection
// request. An invalid_client answer to HTTP basic authentication carries the challenge.
func writeOAuthError(w http.ResponseWriter, r *http.Request, err *rfcError) {
	if err.status == http.StatusUnauthorized {
		if _, _, basic := r.BasicAuth(); basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="outflow-sandbox"`)
		}
	}
	writeJSON(w, err.status, oauthError{Error: err.code, Description: err.description})
}
