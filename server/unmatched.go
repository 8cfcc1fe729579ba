package server

import (
	"net/http"
	"strings"
)

// catchAll is the pattern of the route that answers every request no other route matched.
const catchAll = "/"

// routeMethods are the methods a route of the server may have, in the order Allow lists them.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unmatched answers a request no route matched: 405 with Allow when the path has routes for
// other methods, else 404. (The catch-all route keeps Go's ServeMux from answering 405 itself.)
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	if allowed := s.allowedMethods(r); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.fail(w, r, errMethodNotAllowed(r.Method, allowed))
		return
	}
	s.fail(w, r, errNotFound("no such route: "+r.Method+" "+r.URL.Path))
}

// allowedMethods lists the methods the server has a route for at the path of r.
func (s *Server) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range routeMethods {
		if m != r.Method && s.patternFor(r, m) != "" {
			out = append(out, m)
		}
	}
	return out
}

// patternFor is the pattern of the route that would serve the path of r with method m, or ""
// when only the catch-all would.
func (s *Server) patternFor(r *http.Request, m string) string {
	probe := *r
	probe.Method = m
	_, pattern := s.mux.Handler(&probe)
	if pattern == catchAll || !s.registered(pattern) {
		return ""
	}
	return pattern
}

// registered reports whether pattern is one of the server's routes.
func (s *Server) registered(pattern string) bool {
	for _, p := range s.patterns {
		if p == pattern {
			return true
		}
	}
	return false
}
