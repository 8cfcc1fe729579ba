package server

import (
	"mime"
	"net/http"
	"strconv"
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
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && acceptsHTML(r) {
		loc := localeOf(r, "")
		s.renderPageIn(w, loc, http.StatusNotFound, "problem", problemView{Title: loc.T("error.not_found"),
			Message: loc.T("notfound.text"), Link: &linkView{URL: s.path("/"), Label: loc.T("notfound.link")}})
		return
	}
	s.fail(w, r, errNotFound("no such route: "+r.Method+" "+r.URL.Path))
}

// acceptsHTML reports whether the Accept header of r asks for HTML, as a browser's does when it
// opens a page.
func acceptsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
			continue
		}
		if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q <= 0 {
			continue
		}
		return true
	}
	return false
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
