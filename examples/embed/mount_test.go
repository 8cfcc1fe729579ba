package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// hostKey is the management key of the tests.
const hostKey = "host-management-key-0123456789abcdef"

// The host mounts Outflow under /outflow with its public URL saying so: a sign-up started over
// the REST API runs in a browser through its one-time link, every page, form and redirect under
// /outflow, beside the host's own routes.
func TestTheEmbeddedServerRunsAFlowUnderItsPath(t *testing.T) {
	ts := httptest.NewServer(nil)
	t.Cleanup(ts.Close)
	o := newTestOutflow(t, ts.URL+"/outflow")
	mux, err := o.mux(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = mux

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// send sends a request in the browser: a form when form is set, else JSON body with the
	// management key when body is set.
	send := func(method, u string, form url.Values, body string) (*http.Response, string) {
		t.Helper()
		if strings.HasPrefix(u, "/") {
			u = ts.URL + u
		}
		req, _ := http.NewRequest(method, u, nil)
		switch {
		case form != nil:
			req, _ = http.NewRequest(method, u, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case body != "":
			req, _ = http.NewRequest(method, u, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+hostKey)
		}
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	hidden := func(page, name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			return ""
		}
		return m[1]
	}
	action := func(page string) string {
		t.Helper()
		m := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)
		if m == nil || !strings.HasPrefix(m[1], "/outflow/") {
			t.Fatalf("the page's form is not under /outflow/: %v\n%s", m, page)
		}
		return m[1]
	}

	resp, body := send("POST", "/outflow/v1/flows/signup/start", nil, `{"userId":"u1"}`)
	var started struct {
		ExecutionID string `json:"executionId"`
		Link        struct {
			URL string `json:"url"`
		} `json:"link"`
	}
	if err := json.Unmarshal([]byte(body), &started); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(started.Link.URL, ts.URL+"/outflow/flows/link/") {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	_, page := send("GET", started.Link.URL, nil, "")
	resp, _ = send("POST", action(page), url.Values{"_csrf": {hidden(page, "_csrf")}}, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/outflow/flows/run/"+started.ExecutionID {
		t.Fatalf("Continue: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = send("GET", resp.Header.Get("Location"), nil, "")
	resp, _ = send("POST", action(page), url.Values{"_csrf": {hidden(page, "_csrf")}, "_nonce": {hidden(page, "_nonce")},
		"_step": {hidden(page, "_step")}, "_action": {"continue"}, "email": {"ada@example.com"}}, "")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/outflow/") {
		t.Fatalf("submit: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = send("GET", resp.Header.Get("Location"), nil, ""); !strings.Contains(page, "<h1>Welcome!</h1>") {
		t.Errorf("the finished page:\n%s", page)
	}
	// The credential side is wired too: an app created over the mounted API gets its callback
	// under /outflow, and a consent started for it sends the provider there.
	resp, body = send("POST", "/outflow/v1/apps", nil, `{"templateId":"github","clientId":"Iv1.0123456789abcdef","clientSecret":"shh-client-secret"}`)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"callbackUrl":"`+ts.URL+`/outflow/v1/oauth/callback/github"`) ||
		strings.Contains(body, "shh-client-secret") {
		t.Fatalf("create app: %d %s", resp.StatusCode, body)
	}
	resp, body = send("POST", "/outflow/v1/connect", nil, `{"appId":"github","userId":"u1"}`)
	var link struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(body), &link); err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(link.URL, ts.URL+"/outflow/") {
		t.Fatalf("connect: %d %s", resp.StatusCode, body)
	}
	_, page = send("GET", link.URL, nil, "")
	resp, _ = send("POST", action(page), url.Values{"_csrf": {hidden(page, "_csrf")}}, "")
	consent, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || consent.Host != "github.com" || consent.Query().Get("redirect_uri") != ts.URL+"/outflow/v1/oauth/callback/github" {
		t.Fatalf("consent redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = send("POST", "/outflow/v1/apikeys", nil, `{"appId":"nowhere","userId":"u1","apiKey":"sk-test-0123456789"}`)
	if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "sk-test") {
		t.Errorf("an API key for an unknown app: %d %s", resp.StatusCode, body)
	}
	if _, page = send("GET", "/login", nil, ""); page != "the host's own login page\n" {
		t.Errorf("the host's own route: %q", page)
	}
}
