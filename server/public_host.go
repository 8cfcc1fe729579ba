package server

import (
	"net/http"
	"net/url"
	"strings"
)

// toPublicHost wraps next so that a browser opening a page (a GET or HEAD of a hosted page, a
// one-time link, a consent link) under another loopback name than the public URL's (localhost
// for 127.0.0.1, or the reverse) is sent to the same page at the public URL before anything sets
// a cookie. Browsers keep cookies per host name: a cookie set under one name is not sent to the
// other, where every link, form and OAuth callback points. Only loopback names are told apart
// this way; behind a proxy the Host header may be anything. API routes answer under any name.
func (s *Server) toPublicHost(next http.Handler) http.Handler {
	u, err := url.Parse(s.origin)
	if s.origin == "" || err != nil {
		return next
	}
	scheme, want := u.Scheme, hostPort(u.Scheme, strings.ToLower(u.Host))
	if host, _ := splitHostPort(scheme, want); !loopback(host) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := hostPort(scheme, strings.ToLower(r.Host))
		if got == want || !sameHost(scheme, want, r.Host) || !isPageRequest(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, s.origin+s.base+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
}

// isPageRequest reports whether r is a browser opening a page: a GET or HEAD outside the API,
// or of a consent link, and not a probe.
func isPageRequest(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	return !probePaths[p] && (!strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, consentPathPrefix))
}
