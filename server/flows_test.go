package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/server"
)

// Flow definitions show every step and expression: only a management key may read them. The demo
// landing page still offers the flows by name.
func TestFlowDefinitionsNeedTheManagementKey(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, &server.Demo{})
	for _, path := range []string{"/v1/flows", "/v1/flows/signup"} {
		r := h.browser().get(path)
		if r.status != http.StatusUnauthorized || strings.Contains(r.body, "steps.about") || strings.Contains(r.body, `"signup"`) {
			t.Errorf("GET %s without a key: %d %s", path, r.status, r.body)
		}
		if r := h.api.call("GET", path, ""); r.status != http.StatusOK || !strings.Contains(r.body, `"signup"`) {
			t.Errorf("GET %s with the key: %d %s", path, r.status, r.body)
		}
	}
	if r := h.browser().get("/"); r.status != http.StatusOK || !strings.Contains(r.body, "Signup") {
		t.Errorf("the landing page no longer lists the flows: %d %s", r.status, r.body)
	}
}
