//go:build browser

package browsertest

import (
	"crypto/rand"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// consoleShots are the console's screenshots the README shows.
var consoleShots = []string{"console-signin", "console-apps", "console-library", "console-app", "console-app-phone",
	"console-connections", "console-connections-phone", "console-flow", "console-execution"}

// TestConsoleWalk configures Google Contacts from the library entirely in the console, adds a
// custom API-key app, watches the demo user's connection appear after the demo tour and
// disconnects it (the sandbox then refuses the token), reads a flow's diagram and an
// execution's explanation, manages a webhook endpoint (webhookWalk), and signs out. Every page is audited in the light and dark schemes.
func TestConsoleWalk(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t, "--webhooks-allow-http-loopback")
	rc := newHookReceiver(t)

	b.open(d.base + "/console/apps")
	b.waitHeading("Sign in to the console")
	b.shot("console-signin")
	b.audit("console-signin")
	b.typeInto("#key", d.key)
	b.click(`main form button[type="submit"]`)
	b.waitHeading("Outbound apps")
	if !strings.Contains(b.text("main table"), "Sandbox Contacts") {
		t.Errorf("the app list lacks the demo's apps: %s", b.text("main"))
	}
	b.shot("console-apps")
	b.audit("console-apps")
	b.fitsWidth("console-apps", narrowWidth)

	b.click(`a[href$="/console/library"]`)
	b.waitHeading("New outbound app")
	b.typeInto("#q", "contacts")
	b.click(`form[role="search"] button[type="submit"]`)
	b.waitUntil("the search to narrow the library", func() bool { return strings.Contains(b.text(`p[role="status"]`), "match") })
	b.shot("console-library")
	b.audit("console-library")
	b.click(`a[href$="/console/library/google-contacts"]`)
	b.waitHeading("New Google Contacts app")
	b.audit("console-new-app")
	b.typeInto("#f-clientId", "1234-demo.apps.googleusercontent.com")
	first, second := "gcs-first-"+rand.Text(), "gcs-second-"+rand.Text()
	b.typeInto("#f-clientSecret", first)
	b.click(`main form button[type="submit"]`)
	b.waitHeading("Google Contacts")
	if got := eval[string](b, `document.getElementById("callback-url").value`); got != d.base+"/v1/oauth/callback/google-contacts" {
		t.Errorf("the callback URL reads %q", got)
	}

	// Read-only by default: the full scope stays offered, the read-only one is the default.
	b.click(`input[name="scope.0.default"]`)
	b.click(`input[name="scope.1.default"]`)
	b.click(`#account form:not(#secret) button[type="submit"]`)
	b.waitUntil("the saved message", func() bool { return b.text(`p[role="status"]`) == "Saved." })
	code, app := d.api("GET", "/v1/apps/google-contacts", nil)
	defaults, _ := app["defaultScopes"].([]any)
	if code != 200 || len(defaults) != 1 || defaults[0] != "https://www.googleapis.com/auth/contacts.readonly" {
		t.Errorf("default scopes after the change: %d %v", code, app["defaultScopes"])
	}
	b.shot("console-app")
	b.audit("console-app")
	b.phoneShot("console-app-phone")

	// The secret is write-only: replaced, never rendered back.
	b.typeInto("#f-clientSecret", second)
	b.click(`#secret button[value="set"]`)
	b.waitUntil("the secret saved", func() bool { return strings.Contains(b.text(`p[role="status"]`), "never shown again") })
	if html := eval[string](b, `document.documentElement.outerHTML`); strings.Contains(html, first) || strings.Contains(html, second) {
		t.Error("the client secret is on the page")
	}
	if app["hasClientSecret"] != true {
		t.Errorf("the app has no secret: %v", app["hasClientSecret"])
	}

	// A custom API-key app.
	b.open(d.base + "/console/library/custom-apikey")
	b.waitHeading("New custom API-key app")
	b.typeInto("#f-id", "weather")
	b.typeInto("#f-name", "Weather API")
	b.typeInto("#f-apiKey-label", "Weather API key")
	b.click(`main form button[type="submit"]`)
	b.waitHeading("Weather API")

	// The demo user's connection, after the demo tour.
	tour := d.tour(b, "ada")
	code, r := d.api("POST", "/v1/tokens/fetch", map[string]any{"appId": "sandbox-contacts", "userId": "ada"})
	tok, _ := r["token"].(map[string]any)
	access, _ := tok["accessToken"].(string)
	if code != 200 || access == "" {
		t.Fatalf("fetch the token: %d %v", code, r)
	}
	b.open(d.base + "/console/apps/sandbox-contacts/connections")
	b.waitHeading("Connections of Sandbox Contacts")
	if row := b.text("main table tbody tr"); !strings.Contains(row, "ada") || !strings.Contains(row, "active") || !strings.Contains(row, "contacts.read") {
		t.Errorf("the connection row reads %q", row)
	}
	b.shot("console-connections")
	b.audit("console-connections")
	b.phoneShot("console-connections-phone")
	b.click(`main table form button[type="submit"]`)
	b.waitUntil("the disconnected message", func() bool { return strings.Contains(b.text(`p[role="status"]`), "Disconnected") })
	if status := d.sandboxStatus(access); status != http.StatusUnauthorized {
		t.Errorf("the sandbox answered %d to the revoked token, want 401", status)
	}

	// A flow's diagram and an execution's explanation.
	b.open(d.base + "/console/flows/demo-tour")
	b.waitHeading("Flow demo-tour")
	if n := eval[int](b, `document.querySelectorAll(".diagram svg g.node").length`); n < 4 {
		t.Errorf("the diagram has %d steps", n)
	}
	if !strings.Contains(b.text("ol.steps"), "goes to") {
		t.Error("the diagram has no text alternative")
	}
	b.shot("console-flow")
	b.audit("console-flow")
	b.open(d.base + "/console/executions")
	b.waitHeading("Recent executions")
	b.audit("console-executions")
	b.click(`a[href$="/console/executions/` + tour + `"]`)
	b.waitHeading("Execution " + tour)
	if why := b.text("pre"); !strings.Contains(why, "start") {
		t.Errorf("the explanation reads %q", why)
	}
	b.shot("console-execution")
	b.audit("console-execution")

	d.webhookWalk(b, rc)

	b.click(`.who button[type="submit"]`)
	b.waitHeading("Sign in to the console")
	b.open(d.base + "/console/apps")
	b.waitHeading("Sign in to the console")

	logs := d.logs.String()
	secrets := []string{first, second, access}
	if d.key != demoKey { // the demo's own key is public, and a word of many log lines
		secrets = append(secrets, d.key)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
	}
	for _, name := range consoleShots {
		if !slices.ContainsFunc(b.shots, func(s shot) bool { return s.name == name }) {
			t.Errorf("no screenshot %s", name)
		}
	}
}

// tour runs the demo tour for user in the browser, consenting to the sandbox's default scopes,
// and returns the execution's id.
func (d *demo) tour(b *browser, user string) string {
	d.t.Helper()
	id, link := d.startFlow("demo-tour", user)
	b.openLink(link)
	b.waitHeading("Welcome to Outflow")
	b.click(`button[value="start"]`)
	b.waitHeading("Connect to Sandbox Contacts")
	b.click(`button[value="connect"]`)
	b.waitHeading("Allow Outflow demo to access your sandbox account?")
	b.click(`button[value="approve"]`)
	b.waitHeading("Your Sandbox Contacts")
	b.click(`button[value="next"]`)
	b.waitHeading("Add your Sandbox AI key")
	b.typeInto(`input[name="apiKey"]`, "sk-sandbox-"+rand.Text())
	b.click(`button[value="save"]`)
	b.waitHeading("You're all set")
	return id
}

// sandboxStatus is the status the sandbox provider's API answers to an access token.
func (d *demo) sandboxStatus(accessToken string) int {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.base+"/sandbox/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
