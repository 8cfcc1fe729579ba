package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/server"
)

// A host mounts the server under /outflow with http.StripPrefix and says so in PublicURL: the
// link, the Continue form, the redirects, the hosted forms, the OAuth callback's way back, the
// landing page's forms and links, a created app's Location, the OpenAPI document's server and the
// cookie's Path all stay under /outflow, so a flow runs end to end through its link.
func TestAServerMountedUnderAPathRunsAFlowThroughItsLink(t *testing.T) {
	t.Parallel()
	h := setupHostedWith(t, hostedConfig{mount: "/outflow", demo: &server.Demo{}})
	a := h.browser()
	// get fetches a URL, or a path of the test server (not of the mount: paths the server gives
	// out already hold /outflow).
	get := func(u string) response {
		t.Helper()
		if strings.HasPrefix(u, "/") {
			u = h.origin + u
		}
		req, _ := http.NewRequest("GET", u, nil)
		a.last = do(t, a.c, req)
		return a.last
	}
	under := func(what, path string) {
		t.Helper()
		if !strings.HasPrefix(path, "/outflow/") {
			t.Fatalf("%s is %q, not under /outflow/", what, path)
		}
	}

	_, link := h.start("signup", `{"userId":"ada"}`)
	if !strings.HasPrefix(link, h.origin+"/outflow/flows/link/") {
		t.Fatalf("the link %q is not under /outflow", link)
	}
	page := get(link)
	if page.status != http.StatusOK {
		t.Fatalf("the link's page: %d %s", page.status, page.body)
	}
	under("the Continue form's action", formAction(t, page.body))
	cookie := page.header.Get("Set-Cookie")
	if !strings.Contains(cookie, "Path=/outflow;") && !strings.HasSuffix(cookie, "Path=/outflow") {
		t.Errorf("the cookie's Path is not /outflow: %q", cookie)
	}
	r := do(t, a.c, continueRequest(t, link, page.body))
	if r.status != http.StatusSeeOther {
		t.Fatalf("Continue: %d %s", r.status, r.body)
	}
	under("Continue's redirect", r.location)
	page = get(r.location)
	if page.status != http.StatusOK || !strings.Contains(page.body, "Tell us about you") {
		t.Fatalf("the flow's page: %d %s", page.status, page.body)
	}
	under("the hosted form's action", formAction(t, page.body))
	r = a.submit("continue", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"pw"}, "plan": {"free"}, "terms": {"true"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	under("the form's redirect", r.location)
	if page := get(r.location); !strings.Contains(page.body, "Welcome aboard") {
		t.Fatalf("the finished page: %d %s", page.status, page.body)
	}

	// The OAuth round trip comes back under /outflow too.
	id, link := h.start("crm-tour", `{"userId":"ada"}`)
	page = get(link)
	r = get(do(t, a.c, continueRequest(t, link, page.body)).location)
	r = a.submit("go", nil)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "redirect_uri="+url.QueryEscape(h.origin+"/outflow/v1/oauth/callback/crm")) {
		t.Fatalf("press go: %d %q", r.status, r.location)
	}
	r = get(h.base + "/v1/oauth/callback/crm?" + h.p.approve(t, r.location))
	if r.status != http.StatusSeeOther || r.location != "/outflow/flows/run/"+id {
		t.Fatalf("the callback: %d %q, want the flow's page under /outflow", r.status, r.location)
	}

	// A created app's Location, the landing page's forms and links, and the OpenAPI document.
	if r := h.api.call("POST", "/v1/apps", createGoogle); r.status != http.StatusCreated || r.header.Get("Location") != "/outflow/v1/apps/google-contacts" {
		t.Errorf("create an app: %d, Location %q", r.status, r.header.Get("Location"))
	}
	landing := get(h.base + "/").body
	for _, m := range regexp.MustCompile(`(?:action|href)="([^"]+)"`).FindAllStringSubmatch(landing, -1) {
		under("a landing page URL", m[1])
	}
	var doc struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	if err := json.Unmarshal([]byte(get(h.base+"/v1/openapi.json").body), &doc); err != nil || len(doc.Servers) != 1 || doc.Servers[0].URL != "/outflow" {
		t.Errorf("the served OpenAPI document's servers: %+v %v", doc.Servers, err)
	}
}

// formAction is the action of the first form of page.
func formAction(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no form:\n%s", page)
	}
	return m[1]
}
