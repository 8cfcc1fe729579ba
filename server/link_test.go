package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// Fetching a one-time link (a mail scanner, a chat preview) shows its Continue page and uses
// nothing up; the person's Continue (a POST) uses it.
func TestFetchingALinkDoesNotUseItUp(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	_, link := h.start("signup", `{"userId":"ada"}`)
	for range 3 {
		req, _ := http.NewRequest("GET", link, nil)
		r := do(t, noRedirects, req)
		if r.status != http.StatusOK || !strings.Contains(r.body, `<form method="post"`) || !strings.Contains(r.body, ">Continue</button>") {
			t.Fatalf("GET of the link: %d %s", r.status, r.body)
		}
	}
	b := h.browser()
	if r := b.get(link); r.status != http.StatusSeeOther {
		t.Fatalf("Continue: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("GET", link, nil)
	if r := do(t, noRedirects, req); r.status != http.StatusGone {
		t.Fatalf("the used link: %d", r.status)
	}
}

// A waiting execution's one-time link is deleted when the execution finishes through the API: it
// neither outlives the finished work in Redis nor opens it later.
func TestALinkGoesWhenItsExecutionFinishes(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	h.addFlow("team.yaml", teamFlow)
	r := h.api.call("POST", "/v1/flows/team/start", `{"userId":"ada"}`)
	obj := r.object(t)
	id := obj["executionId"].(string)
	link := obj["link"].(map[string]any)["url"].(string)
	token := link[strings.LastIndex(link, "/")+1:]
	sum := sha256.Sum256([]byte(token))
	key := h.store.Keys().BrowserLink(hex.EncodeToString(sum[:]))
	ctx := context.Background()
	if n, _ := h.store.Client().Exists(ctx, key).Result(); n != 1 {
		t.Fatal("a started execution has no link in Redis")
	}
	if f := h.next(id, r, map[string]any{"company": "Acme", "seats": "12"}); f.status != http.StatusOK || !strings.Contains(f.body, `"status":"completed"`) {
		t.Fatalf("finish: %d %s", f.status, f.body)
	}
	if n, _ := h.store.Client().Exists(ctx, key).Result(); n != 0 {
		t.Error("the link outlived its finished execution")
	}
	if v, _ := h.store.Client().HGet(ctx, h.store.Keys().Execution(id), "link").Result(); v != "" {
		t.Error("the finished execution still names its link")
	}
	req, _ := http.NewRequest("GET", link, nil)
	if g := do(t, noRedirects, req); g.status != http.StatusGone {
		t.Fatalf("the finished execution's link: %d", g.status)
	}
}
