package sandbox

import (
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// consentForm is what the consent page asks the browser to post back.
type consentForm struct {
	action string
	fields url.Values
}

func showConsent(t *testing.T, f *fixture) (page string, form consentForm, state string) {
	t.Helper()
	state, _, resp := f.startAuth(t)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page status = %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type = %q, want HTML", ct)
	}
	page = body(t, resp)
	form.fields = url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		form.fields.Set(m[1], html.UnescapeString(m[2]))
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)
	if action == nil {
		t.Fatalf("no POST form on the consent page:\n%s", page)
	}
	u, err := resp.Request.URL.Parse(action[1])
	if err != nil {
		t.Fatal(err)
	}
	form.action = u.String()
	return page, form, state
}

// press posts the consent form as if the person pressed the button with the given value.
func press(t *testing.T, c *http.Client, form consentForm, decision string) *http.Response {
	t.Helper()
	fields := url.Values{}
	for k, v := range form.fields {
		fields[k] = v
	}
	fields.Set("decision", decision)
	resp, err := c.PostForm(form.action, fields)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestConsentPageShowsTheRequest(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Subject: "grace"})
	page, form, _ := showConsent(t, f)

	for _, want := range []string{
		"Sandbox provider — for trying Outflow offline, not a real service",
		"<h1>", "Demo Contacts App", "grace", "app.example.test",
		`<meta name="viewport" content="width=device-width, initial-scale=1">`, `<html lang="en">`,
		`<button type="submit" name="decision" value="approve" class="approve">Approve</button>`,
		`<button type="submit" name="decision" value="deny" class="deny">Deny</button>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	for _, scope := range testScopes {
		if !strings.Contains(page, "<code>"+scope+"</code>") {
			t.Errorf("consent page does not list scope %q", scope)
		}
		// Each scope the demo asks for says what it allows, under its name.
		if !regexp.MustCompile(`<code>` + regexp.QuoteMeta(scope) + `</code><br><span class="muted">[^<]+</span>`).MatchString(page) {
			t.Errorf("consent page does not say what scope %q allows", scope)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the consent page must work without JavaScript")
	}
	if form.fields.Get("csrf_token") == "" || form.fields.Get("query") == "" {
		t.Errorf("form lacks the CSRF token or the original query: %v", form.fields)
	}
	if !strings.HasSuffix(form.action, "/sandbox/oauth2/auth") {
		t.Errorf("form posts to %q, want the authorization endpoint", form.action)
	}
}

func TestConsentApproveAndDeny(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{})

	_, form, state := showConsent(t, f)
	q := redirectBack(t, press(t, f.browser, form, DecisionApprove))
	if q.Get("code") == "" || q.Get("state") != state {
		t.Fatalf("Approve: redirect %v, want a code and state %s", q, state)
	}

	_, form, state = showConsent(t, f)
	q = redirectBack(t, press(t, f.browser, form, DecisionDeny))
	if q.Get("error") != "access_denied" || q.Get("state") != state || q.Get("code") != "" {
		t.Fatalf("Deny: redirect %v, want error=access_denied and state %s", q, state)
	}
}

func TestConsentFormRefusesForgeries(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{})
	_, form, _ := showConsent(t, f)

	otherJar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	otherBrowser := &http.Client{Jar: otherJar, CheckRedirect: f.browser.CheckRedirect}

	widened := form
	widened.fields = url.Values{}
	for k, v := range form.fields {
		widened.fields[k] = v
	}
	query, err := url.ParseQuery(form.fields.Get("query"))
	if err != nil {
		t.Fatal(err)
	}
	query.Set("scope", "openid offline contacts")
	widened.fields.Set("query", query.Encode())

	badToken := widened
	badToken.fields = url.Values{"query": {form.fields.Get("query")}, "csrf_token": {"forged"}}

	tests := []struct {
		name    string
		browser *http.Client
		form    consentForm
	}{
		{"bad CSRF token", f.browser, badToken},
		{"token from another browser", otherBrowser, form},
		{"request changed after the page was shown", f.browser, widened},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := press(t, tt.browser, tt.form, DecisionApprove)
			if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q; want 403 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if page := body(t, resp); !strings.Contains(page, "not valid") {
				t.Errorf("refusal page does not say why:\n%s", page)
			}
		})
	}

	// The genuine form still works afterwards.
	if q := redirectBack(t, press(t, f.browser, form, DecisionApprove)); q.Get("code") == "" {
		t.Fatalf("genuine form: %v, want a code", q)
	}
}

func TestConsentPageCannotBeFramed(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{})
	_, _, resp := f.startAuth(t)
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("consent page may be framed: %v", resp.Header)
	}
}

func TestPromptNoneNeverShowsThePage(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{})
	_, _, resp := f.startAuth(t, oauth2.SetAuthURLParam("prompt", "none"))
	if q := redirectBack(t, resp); q.Get("error") != "consent_required" {
		t.Fatalf("prompt=none with a consent page: redirect %v, want error=consent_required", q)
	}
}
