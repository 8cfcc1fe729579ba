package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/server"
)

// POST /v1/connect answers with a one-time link of this server, not the provider's URL: the
// consent starts when a browser opens the link, bound to that browser, so a callback from any
// other browser is refused and leaves the consent to the right one.
func TestConnectLinkBindsTheConsentToTheBrowser(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	r := a.call("POST", "/v1/connect", `{"appId":"crm","userId":"alice","redirectUrl":"https://app.example.com/done"}`)
	body := r.object(t)
	link, _ := body["url"].(string)
	if r.status != 200 || !strings.HasPrefix(link, a.url+"/v1/oauth/start/") || body["expiresAt"] != "2026-07-01T00:10:00Z" || len(body) != 2 {
		t.Fatalf("connect: %d %s; want {url, expiresAt} with a one-time link valid 10 minutes", r.status, r.body)
	}
	if strings.Contains(r.body, "crm.example.com") || strings.Contains(r.body, "state=") {
		t.Errorf("connect gave away the provider's URL: %s", r.body)
	}

	mine := newBrowser(t)
	open := a.browse(mine, link)
	cookieSet := false
	for _, c := range mine.Jar.Cookies(mustURL(t, a.url)) {
		cookieSet = cookieSet || c.Name == server.BindingCookie
	}
	if open.status != http.StatusSeeOther || !strings.HasPrefix(open.location, "https://crm.example.com/authorize?") || !cookieSet ||
		open.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("opening the link: %d %q, cookie set %v", open.status, open.location, cookieSet)
	}
	if again := a.browse(newBrowser(t), link); again.status != http.StatusGone {
		t.Errorf("the link opened twice: %d", again.status)
	}
	callback := "/v1/oauth/callback/crm?" + a.p.approve(t, open.location)

	// The provider's callback lands in another browser (a link forwarded, a session fixation):
	// refused, nothing stored, and the consent still waits for the browser that started it.
	for name, other := range map[string]*http.Client{"a browser without a cookie": newBrowser(t), "another browser": newBrowser(t)} {
		if name == "another browser" {
			a.consent(other, `{"appId":"crm","userId":"mallory"}`) // gives it a cookie of its own
		}
		if r := a.browse(other, callback); r.status != http.StatusForbidden || !strings.Contains(r.body, "another browser") {
			t.Errorf("callback from %s: %d %s", name, r.status, r.body)
		}
	}
	if r := a.call("GET", "/v1/connections?userId=alice", ""); strings.Contains(r.body, `"id"`) {
		t.Fatalf("a refused callback stored a connection: %s", r.body)
	}
	r = a.browse(mine, callback)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "outflow_status=connected") {
		t.Errorf("callback from the browser that opened the link: %d %q %s", r.status, r.location, r.body)
	}

	if r := a.browse(newBrowser(t), "/v1/oauth/start/short"); r.status != http.StatusNotFound {
		t.Errorf("a malformed link: %d", r.status)
	}
}

// A consent that comes back after its state expired resumes its flow on the error branch, rather
// than leaving the flow waiting for a callback that can never succeed.
func TestAnExpiredConsentResumesTheFlow(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	r := a.call("POST", "/v1/flows/link-crm/start", `{"userId":"alice"}`)
	if r.status != 200 {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	start := r.object(t)
	redirect, _ := start["redirect"].(map[string]any)
	q := a.p.approve(t, redirect["url"].(string))
	a.clock.Advance(11 * time.Minute) // longer than a consent may take
	cb := a.call("GET", "/v1/oauth/callback/crm?"+q, "")
	if cb.status != http.StatusSeeOther || cb.location != "https://app.example.com/flow-done" {
		t.Fatalf("callback after the state expired: %d %q %s", cb.status, cb.location, cb.body)
	}
	x, err := a.eng.Get(context.Background(), start["executionId"].(string))
	if err != nil || x.Status != engine.StatusCompleted || x.Output["connected"] != false {
		t.Fatalf("execution after an expired consent: %+v %v", x, err)
	}
	if r := a.call("GET", "/v1/connections?userId=alice", ""); strings.Contains(r.body, `"id"`) {
		t.Errorf("an expired consent stored a connection: %s", r.body)
	}
}
