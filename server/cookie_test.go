package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// The browser cookie is Secure when the request came over TLS, even with no public URL
// configured (a server that terminates TLS itself); over plain http it is not.
func TestTheBrowserCookieIsSecureOverTLS(t *testing.T) {
	t.Parallel()
	for _, tls := range []bool{true, false} {
		h := setupHostedWith(t, hostedConfig{tls: tls, noPublicURL: true})
		_, link := h.start("signup", `{"userId":"ada"}`)
		page := show(t, h.browser(), link)
		cookie := page.header.Get("Set-Cookie")
		if page.status != http.StatusOK || !strings.Contains(cookie, "outflow_browser=") {
			t.Fatalf("tls %v: the link's page: %d, cookie %q", tls, page.status, cookie)
		}
		if secure := strings.Contains(cookie, "; Secure"); secure != tls {
			t.Errorf("tls %v: the cookie %q is Secure: %v", tls, cookie, secure)
		}
	}
}
