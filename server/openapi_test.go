package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/server"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string                                 `json:"openapi"`
	Paths   map[string]map[string]openAPIOperation `json:"paths"`
}

type openAPIOperation struct {
	Security  *[]map[string][]string `json:"security"`
	Responses map[string]any         `json:"responses"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(server.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json is OpenAPI %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// route turns a mux pattern into an OpenAPI method and path: "GET /{$}" → get, "/".
func route(pattern string) (string, string) {
	method, path, _ := strings.Cut(pattern, " ")
	return strings.ToLower(method), strings.TrimSuffix(path, "{$}")
}

// TestOpenAPIDescribesEveryRoute: a route the server registers and the document lacks, or a
// documented operation the server does not serve, fails here.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, &server.Demo{})
	doc := loadOpenAPI(t)
	registered := map[string]bool{}
	for _, p := range h.server.Patterns() {
		method, path := route(p)
		registered[method+" "+path] = true
		op, ok := doc.Paths[path][method]
		if !ok {
			t.Errorf("route %q is not in openapi.json", p)
			continue
		}
		if len(op.Responses) == 0 {
			t.Errorf("%s %s documents no response", method, path)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !registered[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which the server does not serve", method, path)
			}
		}
	}
	if len(registered) < 35 {
		t.Errorf("only %d routes registered; the server must register every route through handle", len(registered))
	}
	r := h.browser().get("/v1/openapi.json")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || r.body != string(server.OpenAPI()) {
		t.Errorf("GET /v1/openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
	}
}

// TestManagementRoutesNeedAKey sends every operation that openapi.json marks as needing the
// management key without one, and with a wrong one: each answers 401 before doing anything.
func TestManagementRoutesNeedAKey(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	doc := loadOpenAPI(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	var protected []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Security != nil && len(*op.Security) == 0 {
				continue // a public or browser route
			}
			protected = append(protected, strings.ToUpper(method)+" "+path)
			for _, key := range []string{"", "wrong-key", hostedKey + "x"} {
				req, _ := http.NewRequest(strings.ToUpper(method), h.base+param.ReplaceAllString(path, "x1"), strings.NewReader(`{}`))
				req.Header.Set("Content-Type", "application/json")
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				r := do(t, noRedirects, req)
				if r.status != http.StatusUnauthorized || r.errorBody(t)["code"] != "unauthorized" || r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s with key %q: %d %s", method, path, key, r.status, r.body)
				}
			}
		}
	}
	for _, must := range []string{
		"GET /v1/flows", "GET /v1/flows/{flowId}", "POST /v1/flows/{flowId}/start", "GET /v1/executions/{executionId}", "GET /v1/executions/{executionId}/events",
		"GET /v1/executions/{executionId}/explain", "GET /v1/templates", "POST /v1/apps", "DELETE /v1/apps/{appId}",
		"POST /v1/connect", "POST /v1/tokens/fetch", "POST /v1/tokens/import", "GET /v1/connections", "DELETE /v1/connections/{id}",
		"POST /v1/apikeys", "POST /v1/apikeys/fetch", "GET /v1/apikeys", "DELETE /v1/apikeys",
	} {
		if !slices.Contains(protected, must) {
			t.Errorf("%s is not documented as needing the management key", must)
		}
	}
	for _, open := range []string{"POST /v1/executions/{executionId}/next", "GET /v1/oauth/callback/{appId}", "GET /flows/run/{executionId}"} {
		if slices.Contains(protected, open) {
			t.Errorf("%s is documented as needing the management key", open)
		}
	}
}
