package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// An expired execution answers next with 410 and the flow to start again, but not the input it
// was started with: anyone who knows the execution's id may call next.
func TestAnExpiredExecutionKeepsItsInputFromThePublicNextRoute(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	r := h.api.call("POST", "/v1/flows/signup/start", `{"userId":"ada","input":{"next":"https://app.example.com/private-7f3a"}}`)
	if r.status != http.StatusOK {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	start := r.object(t)
	id, nonce := start["executionId"].(string), start["nonce"].(string)
	h.clock.Advance(31 * time.Minute)

	body := `{"interaction":"cancel","nonce":"` + nonce + `"}`
	for name, key := range map[string]string{"without a key": "", "with the management key": hostedKey} {
		req, _ := http.NewRequest("POST", h.base+"/v1/executions/"+id+"/next", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		r := do(t, noRedirects, req)
		e := r.errorBody(t)
		restart, _ := e["restart"].(map[string]any)
		if r.status != http.StatusGone || e["code"] != "expired" || restart["flowId"] != "signup" {
			t.Errorf("next %s: %d %s; want 410 expired with restart.flowId", name, r.status, r.body)
		}
		if _, ok := restart["input"]; ok || strings.Contains(r.body, "private-7f3a") {
			t.Errorf("next %s gave away the start input: %s", name, r.body)
		}
	}
}
