package server

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// probePaths are answered whatever the Host header says when Options.CheckHost is set: probes
// and scrapers address an instance by its own IP, and the answers hold nothing a page could use.
var probePaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// checkHost wraps next with the check of Options.CheckHost: a request for another host than the
// public URL's is answered 421 Misdirected Request. Without CheckHost or a PublicURL it is next.
func (s *Server) checkHost(next http.Handler) http.Handler {
	u, err := url.Parse(s.origin)
	if !s.opts.CheckHost || s.origin == "" || err != nil {
		return next
	}
	scheme, want := u.Scheme, hostPort(u.Scheme, strings.ToLower(u.Host))
	misdirected := &httpError{status: http.StatusMisdirectedRequest, body: apiError{Code: "misdirected_request",
		Message: "this server answers requests for " + want + " only: open it at " + s.origin + s.base}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sameHost(scheme, want, r.Host) || probePaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		s.fail(w, r, misdirected)
	})
}

// HostChecked wraps a handler the host serves beside the server, under the same public URL (the
// demo's sandbox provider, say), with the server's Host check: with Options.CheckHost, a request
// for another host is answered 421 there too. Without CheckHost it returns h.
func (s *Server) HostChecked(h http.Handler) http.Handler { return s.checkHost(h) }

// sameHost reports whether the Host header got names want, a host[:port] without the scheme's
// default port: the same name, or, when want is a loopback host (localhost, 127.0.0.1, [::1]),
// any loopback host with the same port.
func sameHost(scheme, want, got string) bool {
	got = hostPort(scheme, strings.ToLower(got))
	if got == want {
		return true
	}
	wantHost, wantPort := splitHostPort(scheme, want)
	gotHost, gotPort := splitHostPort(scheme, got)
	return loopback(wantHost) && loopback(gotHost) && wantPort == gotPort
}

// splitHostPort splits host[:port], giving the scheme's default port when there is none.
func splitHostPort(scheme, hostport string) (host, port string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return host, port
}

// loopback reports whether host names this machine: localhost or a loopback address.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
