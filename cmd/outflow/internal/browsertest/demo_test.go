//go:build browser

package browsertest

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// documented are the screenshots the README shows, one per hosted screen, and two at a
// phone's width.
var documented = map[string]bool{
	"landing": true, "link": true, "welcome": true, "connect-scopes": true, "connect-scopes-phone": true,
	"sandbox-consent": true, "apikey-error": true, "apikey-error-phone": true, "finished": true,
	"console-signin": true, "console-apps": true, "console-library": true, "console-app": true, "console-app-phone": true,
	"console-connections": true, "console-connections-phone": true, "console-flow": true, "console-execution": true,
}

// TestDemoTour is the README's walkthrough: a backend starts the demo tour for a user, the user
// opens the one-time link, chooses scopes, consents at the sandbox provider, enters a wrong and
// then a right API key, and sees the finished page; then the backend fetches the token and the
// key.
func TestDemoTour(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t)

	b.open(d.base + "/")
	b.waitHeading("Try Outflow")
	if got := b.text(".flows li h2"); got != "Demo tour" {
		t.Errorf("the landing page lists %q first, want the demo tour", got)
	}
	b.shot("landing")
	b.audit("landing")
	b.fitsWidth("landing", narrowWidth)

	// An app's default redirect is for consents started outside a flow: the tour's consent
	// still comes back to the tour.
	if code, r := d.api("PATCH", "/v1/apps/sandbox-contacts", map[string]any{"defaultRedirectUrl": d.base + "/?from=app-default"}); code != 200 {
		t.Fatalf("set the app's default redirect: %d %v", code, r)
	}
	id, link := d.startFlow("demo-tour", "ada")
	b.open(link)
	b.waitHeading("Continue in your browser")
	if got := b.text(".continues-name"); got != "Demo tour" {
		t.Errorf("the link's page continues %q, want the demo tour named", got)
	}
	b.shot("link")
	b.audit("link")
	b.click(`form button[type="submit"]`)
	b.waitHeading("Welcome to Outflow")
	if code, body := d.get(strings.TrimPrefix(link, d.base)); code != http.StatusGone || !strings.Contains(body, "already been used") {
		t.Errorf("opening the link a second time: %d, want 410 and a page that says so", code)
	}
	b.shot("welcome")
	b.audit("welcome")
	b.click(`button[value="start"]`)

	b.waitHeading("Connect to Sandbox Contacts")
	if got := b.text(".app-name"); got != "Sandbox Contacts" {
		t.Errorf("the connect screen is branded %q", got)
	}
	if src := b.attr(".app img.logo", "src"); !strings.HasPrefix(src, "data:image/svg+xml") {
		t.Errorf("the connect screen shows no app logo (img src %q)", src)
	}
	if got := b.text(`button[value="connect"]`); got != "Connect" || b.attr(`button[value="connect"] .logo`, "class") == "" {
		t.Errorf("the connect button reads %q and must show the app's logo", got)
	}
	scopes := map[string]string{} // scope → checkbox id
	for i, s := range []string{"openid", "offline", "contacts.read", "contacts.write"} {
		box := `input[name="scope_` + string(rune('0'+i)) + `"]`
		if b.text(`label[for="`+b.attr(box, "id")+`"] code`) != s {
			t.Errorf("checkbox %d is not labelled with scope %s", i, s)
		}
		if !eval[bool](b, `document.querySelector('`+box+`').checked`) {
			t.Errorf("scope %s is not offered checked", s)
		}
		scopes[s] = b.attr(box, "id")
	}
	b.audit("connect-scopes")

	b.click("#" + scopes["contacts.write"]) // the optional scope: leave it out
	b.shot("connect-scopes")
	b.phoneShot("connect-scopes-phone")

	// A required scope unticked is refused, and comes back as the user left it.
	b.click("#" + scopes["contacts.read"])
	b.click(`button[value="connect"]`)
	read := "#" + scopes["contacts.read"]
	b.waitUntil("the message next to contacts.read", func() bool { return b.attr(read, "aria-invalid") == "true" })
	if msg := b.text(read + "-error"); !strings.Contains(msg, "must be checked") {
		t.Errorf("the message next to the unticked required scope reads %q", msg)
	}
	if eval[bool](b, `document.querySelector('`+read+`').checked`) {
		t.Error("the required scope the user unticked comes back ticked next to its message")
	}
	b.audit("connect-scopes-error")
	b.click(read)
	b.click(`button[value="connect"]`)

	b.waitHeading("Allow Outflow demo to access your sandbox account?")
	if asked := b.text("ul.scopes"); !strings.Contains(asked, "contacts.read") || strings.Contains(asked, "contacts.write") {
		t.Errorf("the provider was asked for %q; want contacts.read without contacts.write", asked)
	}
	if got := b.text(".sandbox"); !strings.Contains(got, "Sandbox") {
		t.Errorf("the provider's page is not labelled as a sandbox: %q", got)
	}
	b.shot("sandbox-consent")
	b.audit("sandbox-consent")
	b.click(`button[value="approve"]`)

	// The tour calls the Sandbox Contacts API through the request proxy with the new connection.
	b.waitHeading("Your Sandbox Contacts")
	if got := b.text("main .lead"); !strings.Contains(got, "Ada Lovelace, Grace Hopper, Alan Turing") {
		t.Errorf("the contacts page says %q; want the sandbox user's three contacts", got)
	}
	b.shot("contacts")
	b.audit("contacts")
	b.click(`button[value="next"]`)

	b.waitHeading("Add your Sandbox AI key")
	key := `input[name="apiKey"]`
	if b.attr(key, "type") != "password" || b.text(`label[for="`+b.attr(key, "id")+`"]`) != "Sandbox AI API key" {
		t.Errorf("the key field must be a labelled password field: type %q", b.attr(key, "type"))
	}
	b.audit("apikey")
	b.checkFieldBorders("apikey")
	wrong := "sk-sandbox-tooshort"
	b.typeInto(key, wrong)
	b.click(`button[value="save"]`)
	b.waitUntil("the message next to the key field", func() bool { return b.attr(key, "aria-invalid") == "true" })
	errID := b.attr(key, "id") + "-error"
	if msg := b.text("#" + errID); !strings.Contains(msg, "did not accept this key") {
		t.Errorf("the message next to the key field reads %q", msg)
	}
	if !strings.Contains(b.attr(key, "aria-describedby"), errID) {
		t.Errorf("the key field is not described by its message: aria-describedby=%q", b.attr(key, "aria-describedby"))
	}
	if v := eval[string](b, `document.querySelector('`+key+`').value`); v != "" {
		t.Errorf("the refused key was filled in again: %q", v)
	}
	if focused := eval[string](b, `document.activeElement ? document.activeElement.name : ""`); focused != "apiKey" {
		t.Errorf("the focus is on %q, want the invalid key field", focused)
	}
	if page := b.pageText(); strings.Contains(page, wrong) {
		t.Error("the page shows the refused key")
	}
	b.shot("apikey-error")
	b.audit("apikey-error")
	b.phoneShot("apikey-error-phone")

	good := "sk-sandbox-" + rand.Text()
	b.typeInto(key, good)
	b.click(`button[value="save"]`)
	b.waitHeading("You're all set")
	want := "Sandbox Contacts is connected and your Sandbox AI key ending in " + good[len(good)-4:] + " is saved."
	if got := b.text("main .lead"); got != want {
		t.Errorf("the finished page says %q, want %q", got, want)
	}
	b.shot("finished")
	b.audit("finished")

	// The backend sees the finished execution and can use what the user connected.
	code, x := d.api("GET", "/v1/executions/"+id, nil)
	out, _ := x["output"].(map[string]any)
	if code != 200 || x["status"] != "completed" || out["contactsConnected"] != true || out["aiKeyStored"] != true {
		t.Errorf("the execution: %d %v", code, x)
	}
	code, r := d.api("POST", "/v1/tokens/fetch", map[string]any{"appId": "sandbox-contacts", "userId": "ada", "scopes": []string{"contacts.read"}})
	tok, _ := r["token"].(map[string]any)
	access, _ := tok["accessToken"].(string)
	if code != 200 || access == "" {
		t.Fatalf("fetch the token: %d %v", code, r)
	}
	me := d.sandboxMe(access)
	if me.Sub != "sandbox-user" || !slices.Contains(me.Scopes, "contacts.read") || slices.Contains(me.Scopes, "contacts.write") {
		t.Errorf("the sandbox API answered %+v to the fetched token", me)
	}
	code, k := d.api("POST", "/v1/apikeys/fetch", map[string]any{"appId": "sandbox-ai", "userId": "ada"})
	if code != 200 || k["apiKey"] != good {
		t.Errorf("fetch the API key: %d, key matches: %v", code, k["apiKey"] == good)
	}

	// A flow that checks for a token first skips the consent now.
	_, link = d.startFlow("contacts-or-connect", "ada")
	b.openLink(link)
	b.waitHeading("You're already connected")
	b.open(link)
	b.waitUntil("the page of a used link", func() bool { return strings.Contains(b.text("main"), "already been used") })
	b.audit("used-link")

	// What the log holds: one line per request, none with a secret or a callback's query.
	logs := d.logs.String()
	for _, secret := range []string{good, wrong, access, "code=", "state="} {
		if strings.Contains(logs, secret) {
			t.Errorf("the server log holds %q", secret)
		}
	}
	if !strings.Contains(logs, `"route":"GET /v1/oauth/callback/{appId}"`) {
		t.Error("the access log has no line for the OAuth callback")
	}
}

type sandboxMe struct {
	Sub    string   `json:"sub"`
	Scopes []string `json:"scopes"`
}

// sandboxMe calls the sandbox provider's protected API with an access token.
func (d *demo) sandboxMe(accessToken string) sandboxMe {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.base+"/sandbox/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var me sandboxMe
	if resp.StatusCode != 200 || json.Unmarshal(raw, &me) != nil {
		d.t.Fatalf("sandbox /api/me: %d %s", resp.StatusCode, raw)
	}
	return me
}
