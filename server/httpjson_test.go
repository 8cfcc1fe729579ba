package server_test

import (
	"net/http"
	"testing"
)

// A request body is read strictly: field names match exactly, a field appears once, and one JSON
// object is the whole body. Each mistake gets a message that says what to fix.
func TestRequestBodiesAreReadStrictly(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for _, tc := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"a field name in another case", `{"userID":"ann"}`, 400, `unknown field "userID" (did you mean "userId"?)`},
		{"an unknown field", `{"user":"ann"}`, 400, `unknown field "user"`},
		{"a duplicate field", `{"userId":"ann","userId":"bob"}`, 400, `field "userId" appears twice; send it once`},
		{"a duplicate field in an object", `{"userId":"ann","input":{"next":"a","next":"b"}}`, 400, `field "input.next" appears twice; send it once`},
		{"a value of the wrong type", `{"userId":12}`, 400, `field "userId" must be a string`},
		{"an array for the body", `[]`, 400, "the body must be a JSON object"},
		{"two objects", `{"userId":"ann"} {}`, 400, "the body must hold a single JSON object"},
		{"broken JSON", `{"userId":`, 400, "the body is not valid JSON (at byte 10)"},
		{"an empty body", ``, 400, "the body is empty; send a JSON object"},
	} {
		r := h.api.call("POST", "/v1/flows/signup/start", tc.body)
		e, _ := r.object(t)["error"].(map[string]any)
		if r.status != tc.status || e["code"] != "invalid_body" || e["message"] != tc.message {
			t.Errorf("%s: %d %s, want %d %q", tc.name, r.status, r.body, tc.status, tc.message)
		}
	}
	if r := h.api.call("POST", "/v1/flows/signup/start", `{"userId":"ann"}`); r.status != http.StatusOK {
		t.Errorf("a good body: %d %s", r.status, r.body)
	}
}
