package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// A flow waiting for an outside system: the browser sees what it waits for on a page that
// refreshes itself, never the token; the backend gets the token and a callback URL; the outside
// system answers once with the callback URL alone.
func TestSignalAnswersAWaitOnce(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	id, link := h.start("approval", `{"userId":"u1"}`)
	b := h.browser()
	page := b.get(b.get(link).location)
	if !strings.Contains(page.body, "Ask for access") {
		t.Fatalf("first page: %d %s", page.status, page.body)
	}
	after := b.submit("ask", nil)
	page = b.get(after.location)
	if page.status != 200 || !strings.Contains(page.body, "waiting for an administrator&#39;s approval") || page.header.Get("Refresh") == "" {
		t.Fatalf("waiting page: %d %v %s", page.status, page.header, page.body)
	}
	got := h.api.call("GET", "/v1/executions/"+id, "").object(t)
	wait, _ := got["wait"].(map[string]any)
	tok, _ := wait["token"].(string)
	cb, _ := wait["callbackUrl"].(string)
	if got["action"] != "wait" || tok == "" || !strings.HasPrefix(cb, h.base+"/v1/executions/"+id+"/signal?token=") {
		t.Fatalf("the backend's view: %v", got)
	}
	if strings.Contains(page.body, tok) {
		t.Fatal("the waiting page shows the wait's token")
	}
	forged := h.api.callWithKey("POST", "/v1/executions/"+id+"/signal", `{"token":"forged","payload":{"approved":true}}`, "")
	if forged.status != http.StatusConflict {
		t.Fatalf("forged token: %d %s", forged.status, forged.body)
	}
	bad := h.api.callWithKey("POST", strings.TrimPrefix(cb, h.base), `{"payload":{"approved":"yes"}}`, "")
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "payload.approved") {
		t.Fatalf("bad payload: %d %s", bad.status, bad.body)
	}
	ok := h.api.callWithKey("POST", strings.TrimPrefix(cb, h.base), `{"payload":{"approved":true}}`, "")
	if ok.status != 200 || ok.object(t)["status"] != "completed" || strings.Contains(ok.body, tok) {
		t.Fatalf("signal: %d %s", ok.status, ok.body)
	}
	replay := h.api.callWithKey("POST", strings.TrimPrefix(cb, h.base), `{"payload":{"approved":false}}`, "")
	if replay.status != http.StatusConflict {
		t.Fatalf("replayed token: %d %s", replay.status, replay.body)
	}
	if done := b.get(after.location); !strings.Contains(done.body, "Answered") {
		t.Fatalf("finished page: %s", done.body)
	}
}
