package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// A known path asked with a method it does not take answers 405 with the methods it does take;
// an unknown path answers 404. Both with the JSON error body.
func TestAWrongMethodAnswers405WithAllow(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for _, tc := range []struct {
		method, path string
		status       int
		allow, code  string
	}{
		{"POST", "/healthz", http.StatusMethodNotAllowed, "GET, HEAD", "method_not_allowed"},
		{"DELETE", "/v1/flows", http.StatusMethodNotAllowed, "GET, HEAD", "method_not_allowed"},
		{"GET", "/v1/tokens/fetch", http.StatusMethodNotAllowed, "POST", "method_not_allowed"},
		{"PUT", "/flows/run/x", http.StatusMethodNotAllowed, "GET, HEAD, POST", "method_not_allowed"},
		{"PATCH", "/v1/connections", http.StatusMethodNotAllowed, "GET, HEAD, DELETE", "method_not_allowed"},
		{"GET", "/v1/nothing-here", http.StatusNotFound, "", "not_found"},
		{"POST", "/v1/nothing-here", http.StatusNotFound, "", "not_found"},
		{"GET", "/healthz", http.StatusOK, "", ""},
	} {
		req, _ := http.NewRequest(tc.method, h.base+tc.path, nil)
		r := do(t, noRedirects, req)
		if r.status != tc.status || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.path, r.status, r.header.Get("Allow"), tc.status, tc.allow)
			continue
		}
		if tc.code != "" && r.errorBody(t)["code"] != tc.code {
			t.Errorf("%s %s: %s, want code %s", tc.method, tc.path, r.body, tc.code)
		}
	}
}

// A browser that opens an unknown path gets the hosted "Page not found" page, with a way back to
// the start page; API clients still get the JSON error.
func TestAnUnknownPathShowsABrowserThePageNotFoundPage(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for accept, html := range map[string]bool{
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true,
		"application/json": false, "": false, "text/html;q=0": false,
	} {
		req, _ := http.NewRequest("GET", h.base+"/flows/nothing-here", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		r := do(t, noRedirects, req)
		isHTML := strings.HasPrefix(r.header.Get("Content-Type"), "text/html")
		if r.status != http.StatusNotFound || isHTML != html {
			t.Errorf("Accept %q: %d %s, want 404 (HTML %v)", accept, r.status, r.header.Get("Content-Type"), html)
			continue
		}
		if html && (!strings.Contains(r.body, "<h1>Page not found</h1>") || !strings.Contains(r.body, `href="/"`)) {
			t.Errorf("the page: %s", r.body)
		}
		if !html && r.errorBody(t)["code"] != "not_found" {
			t.Errorf("Accept %q: %s", accept, r.body)
		}
	}
}
