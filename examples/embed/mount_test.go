package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/store"
)

// The host mounts Outflow under /outflow with its public URL saying so: a sign-up started over
// the REST API runs in a browser through its one-time link, every page, form and redirect under
// /outflow, beside the host's own routes.
// hostKey is the host's management key.
const hostKey = "host-management-key-0123456789abcdef"

func TestTheEmbeddedServerRunsAFlowUnderItsPath(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, reg, err := newEngine(st)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile("flows/signup.yaml")
	f, err := flows.NewLoader(reg).Load("signup.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.AddFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(nil)
	t.Cleanup(ts.Close)
	mux, err := newMux(eng, st, ts.URL+"/outflow", hostKey)
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
	if _, page = send("GET", "/login", nil, ""); page != "the host's own login page\n" {
		t.Errorf("the host's own route: %q", page)
	}
}
