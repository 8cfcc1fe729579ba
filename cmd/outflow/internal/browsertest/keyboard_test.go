//go:build browser

package browsertest

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestDemoTourByKeyboard walks the demo tour with the keyboard alone — Tab to move, Space to
// untick a scope, Enter to press — and checks that whatever takes the focus shows it.
func TestDemoTourByKeyboard(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t)

	b.open(d.base + "/")
	b.waitHeading("Try Outflow")
	b.tabTo(`#try-0`)
	b.press(kb.Enter)
	b.waitHeading("Welcome to Outflow")
	b.tabTo(`button[value="start"]`)
	b.press(kb.Enter)

	b.waitHeading("Connect to Sandbox Contacts")
	b.tabTo(`input[name="scope_3"]`) // contacts.write, the optional scope
	b.press(" ")
	if eval[bool](b, `document.querySelector('input[name="scope_3"]').checked`) {
		t.Error("Space did not untick the optional scope")
	}
	b.tabTo(`button[value="connect"]`)
	b.press(kb.Enter)

	b.waitHeading("Allow Outflow demo to access your sandbox account?")
	b.tabTo(`button[value="approve"]`)
	b.press(kb.Enter)

	b.waitHeading("Your Sandbox Contacts")
	b.tabTo(`button[value="next"]`)
	b.press(kb.Enter)

	b.waitHeading("Add your Sandbox AI key")
	b.tabTo(`input[name="apiKey"]`)
	b.press("sk-sandbox-" + rand.Text())
	b.press(kb.Enter)
	b.waitHeading("You're all set")
}

// press types keys into whatever has the focus.
func (b *browser) press(keys string) {
	b.t.Helper()
	b.do("press "+fmt.Sprintf("%q", keys), chromedp.KeyEvent(keys))
}

// tabTo presses Tab until the element matching css has the focus, and checks that the focus
// shows (an outline), failing after 40 presses.
func (b *browser) tabTo(css string) {
	b.t.Helper()
	focused := fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, css)
	for range 40 {
		b.press(kb.Tab)
		if eval[bool](b, focused) {
			if style := eval[string](b, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
				b.t.Errorf("%s takes the focus without showing it", css)
			}
			return
		}
	}
	b.fail("40 presses of Tab never reached %s", css)
}

// TestConsoleByKeyboard signs in to the console, opens the library, creates a custom API-key
// app, saves a change, and creates a webhook endpoint and tests it with the keyboard alone.
func TestConsoleByKeyboard(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t)

	b.open(d.base + "/console/")
	b.waitHeading("Sign in to the console")
	b.tabTo(`#key`)
	b.press(d.key)
	b.press(kb.Enter)
	b.waitHeading("Outbound apps")
	b.tabTo(`a[href$="/console/library"]`)
	b.press(kb.Enter)
	b.waitHeading("New outbound app")
	b.tabTo(`a[href$="/console/library/custom-apikey"]`)
	b.press(kb.Enter)
	b.waitHeading("New custom API-key app")
	for field, value := range map[string]string{"#f-id": "kbd", "#f-name": "Keyboard API", "#f-apiKey-label": "Keyboard key"} {
		b.tabTo(field)
		b.press(value)
	}
	b.tabTo(`main form button[type="submit"]`)
	b.press(kb.Enter)
	b.waitHeading("Keyboard API")
	b.tabTo(`#f-description`)
	b.press("Typed without a mouse")
	b.press(kb.Enter)
	b.waitUntil("the saved message", func() bool { return b.text(`p[role="status"]`) == "Saved." })
	if got := eval[string](b, `document.getElementById("f-description").value`); got != "Typed without a mouse" {
		t.Errorf("the description reads %q", got)
	}

	// A webhook endpoint: created, its secret copied from the page, and a test event sent.
	b.tabTo(`nav a[href$="/console/webhooks"]`)
	b.press(kb.Enter)
	b.waitHeading("Webhooks")
	b.tabTo(`a[href$="/console/webhooks/new"]`)
	b.press(kb.Enter)
	b.waitHeading("New webhook endpoint")
	b.tabTo(`#f-url`)
	b.press("https://hooks.example.com/keyboard")
	b.tabTo(`input[value="app.*"]`)
	b.press(" ")
	b.tabTo(`main form button[type="submit"]`)
	b.press(kb.Enter)
	b.waitHeading("Webhook endpoint created")
	if secret := eval[string](b, `document.getElementById("signing-secret").value`); !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("the secret reads %q", secret)
	}
	b.tabTo(`main a.btn-primary`)
	b.press(kb.Enter)
	b.waitUntil("the endpoint's page", func() bool { return strings.HasPrefix(b.text("h1"), "Webhook endpoint we_") })
	if !eval[bool](b, `document.querySelector('input[value="app.*"]').checked`) {
		t.Error("the app.* filter was not saved")
	}
	b.tabTo(`form[action$="/test"] button[type="submit"]`)
	b.press(kb.Enter)
	b.waitUntil("the test queued", func() bool { return strings.Contains(b.text(`p[role="status"]`), "webhook.test") })
}
