//go:build browser

package browsertest

import (
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestALinkPostedByAnotherSiteIsRefused: an attacker starts a consent flow for their own
// account and puts its one-time link in a form that their page (another site) submits in the
// victim's browser. The server refuses the post and binds nothing, so the victim's consent cannot
// land on the attacker's account; the page that is shown says what happened. The same link still
// works when it is opened and continued from its own page.
func TestALinkPostedByAnotherSiteIsRefused(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t)
	id, link := d.startFlow("connect-contacts", "mallory")

	attack := template.Must(template.New("attack").Parse(`<!doctype html><title>Win a prize</title>
<form id="f" method="post" action="{{.}}"><input type="hidden" name="_csrf" value="guess"></form>
<script>document.getElementById("f").submit()</script>`))
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = attack.Execute(w, link)
	}))
	t.Cleanup(evil.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(evil.URL, "http://"))

	// localhost is another site than 127.0.0.1, where the demo serves.
	b.open("http://localhost:" + port + "/")
	b.waitHeading("Please try that again")
	b.audit("refused-post")
	if got := b.text("main .lead"); !strings.Contains(got, "sent from another site") {
		t.Errorf("the refused post's page says %q", got)
	}
	_, x := d.api("GET", "/v1/executions/"+id+"/events", nil)
	if events, _ := json.Marshal(x); strings.Contains(string(events), "execution.bound") {
		t.Errorf("the post from another site bound the execution: %s", events)
	}

	b.openLink(link)
	b.waitHeading("Connect to Sandbox Contacts")
}
