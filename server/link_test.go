package server_test

import (
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
