package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/server"
)

// A page opened under another loopback name than the public URL's (localhost for 127.0.0.1) is
// sent to the public URL before it sets a cookie: the browser's cookie then belongs to the one
// address every link and callback uses. The API answers under either name.
func TestAPageUnderAnotherLoopbackNameGoesToThePublicURL(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, &server.Demo{})
	_, link := h.start("signup", `{"userId":"ann"}`)
	alias := strings.Replace(link, "127.0.0.1", "localhost", 1)
	for _, u := range []string{alias, strings.Replace(h.base, "127.0.0.1", "localhost", 1) + "/?x=1"} {
		r := do(t, noRedirects, mustRequest(t, "GET", u))
		want := strings.Replace(u, "localhost", "127.0.0.1", 1)
		if r.status != http.StatusTemporaryRedirect || r.location != want || r.header.Get("Set-Cookie") != "" {
			t.Errorf("GET %s: %d to %q, cookie %q; want %d to %q, no cookie", u, r.status, r.location, r.header.Get("Set-Cookie"), http.StatusTemporaryRedirect, want)
		}
	}
	if r := h.browser().get(link); r.status != http.StatusSeeOther {
		t.Errorf("the link was used up by the redirect: %d %s", r.status, r.body)
	}
	req := mustRequest(t, "GET", strings.Replace(h.base, "127.0.0.1", "localhost", 1)+"/v1/flows")
	req.Header.Set("Authorization", "Bearer "+hostedKey)
	if r := do(t, noRedirects, req); r.status != http.StatusOK {
		t.Errorf("the API under localhost: %d %s", r.status, r.body)
	}
}

// A browser without the cookie of an execution's page is told what happened: the page was opened
// in another browser or at another address, and which address is the right one.
func TestAPageWithoutTheCookieNamesThePublicURL(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	id, link := h.start("signup", `{"userId":"ann"}`)
	h.browser().get(link)
	r := h.browser().get("/flows/run/" + id)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "did not send the cookie") || !strings.Contains(r.body, h.base) {
		t.Errorf("the page without the cookie: %d %s", r.status, r.body)
	}
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
