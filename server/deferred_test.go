package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/engine"
)

// A flow whose first step is a consent, started by a backend for a browser: nothing runs until the
// browser opens the link, so the consent is bound to that browser and a callback from any other
// browser is refused.
func TestADeferredStartBindsTheFirstConsentToTheBrowser(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	r := a.call("POST", "/v1/flows/link-crm/start", `{"userId":"alice","openInBrowser":true}`)
	start := r.object(t)
	redirect, _ := start["redirect"].(map[string]any)
	link, _ := redirect["url"].(string)
	if r.status != 200 || start["pending"] != true || !strings.Contains(link, "/flows/link/") {
		t.Fatalf("deferred start: %d %s", r.status, r.body)
	}
	id := start["executionId"].(string)

	jar, _ := cookiejar.New(nil)
	victim := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(c *http.Client, u string) *http.Response {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		if isOneTimeLink(u) && resp.StatusCode == http.StatusOK {
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp, err = c.Do(continueRequest(t, u, string(page))); err != nil {
				t.Fatal(err)
			}
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// The browser opens the link, lands on the run page, which sends it to the provider.
	resp := get(victim, link)
	for i := 0; i < 5 && resp.StatusCode == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "https://crm.example.com/"); i++ {
		next := resp.Header.Get("Location")
		if strings.HasPrefix(next, "/") {
			next = a.url + next
		}
		resp = get(victim, next)
	}
	consent := resp.Header.Get("Location")
	if !strings.HasPrefix(consent, "https://crm.example.com/authorize") {
		t.Fatalf("the browser was not sent to the consent page: %d %q", resp.StatusCode, consent)
	}
	query := a.p.approve(t, consent)

	// Another browser (no cookie) cannot complete it; nothing changes.
	other := a.call("GET", "/v1/oauth/callback/crm?"+query, "")
	if other.status != http.StatusForbidden {
		t.Fatalf("callback from another browser: %d %s", other.status, other.body)
	}
	x, err := a.eng.Get(context.Background(), id)
	if err != nil || x.Status != engine.StatusWaiting || x.Action != engine.ActionRedirect {
		t.Fatalf("the execution changed: %+v %v", x, err)
	}
	// The browser that opened the link completes it.
	done := get(victim, a.url+"/v1/oauth/callback/crm?"+query)
	if done.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback in the right browser: %d", done.StatusCode)
	}
	x, err = a.eng.Get(context.Background(), id)
	if err != nil || x.Status != engine.StatusCompleted || x.Output["connected"] != true {
		t.Fatalf("after the callback: %+v %v", x, err)
	}
}
