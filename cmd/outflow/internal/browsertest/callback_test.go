//go:build browser

package browsertest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestACallbackFromAnotherBrowserIsRefused: the provider's redirect back, replayed by a client
// without the browser's cookie (a phished consent link completed elsewhere), is refused with a
// clear page and changes nothing; the same redirect then completes in the browser that started
// the flow.
func TestACallbackFromAnotherBrowserIsRefused(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t)

	id, link := d.startFlow("connect-contacts", "bob")
	b.openLink(link)
	b.waitHeading("Connect to Sandbox Contacts")
	b.click(`button[value="connect"]`)
	b.waitHeading("Allow Outflow demo to access your sandbox account?")

	callback := b.interceptCallback(`button[value="approve"]`)
	_, before := d.api("GET", "/v1/executions/"+id, nil)
	_, eventsBefore := d.api("GET", "/v1/executions/"+id+"/events", nil)

	// Another browser: no cookie.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(page), "started in another browser") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("the callback without the cookie: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	_, after := d.api("GET", "/v1/executions/"+id, nil)
	_, eventsAfter := d.api("GET", "/v1/executions/"+id+"/events", nil)
	if after["status"] != "waiting" || after["stepId"] != before["stepId"] || after["action"] != "redirect" ||
		len(eventsAfter["events"].([]any)) != len(eventsBefore["events"].([]any)) {
		t.Errorf("the refused callback changed the execution:\nbefore %v\nafter  %v", before, after)
	}
	if _, conns := d.api("GET", "/v1/connections?userId=bob", nil); len(conns["connections"].([]any)) != 0 {
		t.Errorf("the refused callback stored a connection: %v", conns)
	}

	// The browser that started the flow completes the same consent.
	b.open(callback)
	b.waitHeading("Sandbox Contacts is connected")
	if got := b.text("main .lead"); got != "You granted openid, offline, contacts.read, contacts.write. You can disconnect at any time." {
		t.Errorf("the finished page says %q", got)
	}
	if _, x := d.api("GET", "/v1/executions/"+id, nil); x["status"] != "completed" {
		t.Errorf("after the browser's callback the execution is %v", x["status"])
	}
}

// interceptCallback clicks a button that leads, through redirects, to the OAuth callback, and
// stops the browser there: it returns the callback URL, which the browser never loaded.
func (b *browser) interceptCallback(button string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*/v1/oauth/callback/*"}},
	}); err != nil {
		b.fail("intercept the callback: %v", err)
	}
	b.click(button)
	var url string
	for ev, err := range paused {
		if err != nil {
			b.fail("wait for the callback: %v", err)
		}
		url = ev.Request.URL
		if _, err := chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonAborted}); err != nil {
			b.fail("stop the callback: %v", err)
		}
		break
	}
	if _, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{}); err != nil {
		b.fail("stop intercepting: %v", err)
	}
	return url
}
