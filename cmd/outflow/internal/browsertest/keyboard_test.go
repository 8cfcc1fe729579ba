package browsertest

import (
	"crypto/rand"
	"fmt"
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
