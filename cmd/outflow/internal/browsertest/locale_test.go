//go:build browser

package browsertest

import (
	"strings"
	"testing"
)

// TestDemoTourInGerman runs the tour in a browser that prefers German, on a server with a brand of
// its own (a primary colour per colour scheme): the built-in pages and screens (the link page,
// the consent scope choice, the API-key form with its refusal) and the tour's own texts (its
// message catalogs) are German, <html lang> says so, the primary buttons wear the brand's colour
// in each scheme, and every page state passes the accessibility audit in both colour schemes.
func TestDemoTourInGerman(t *testing.T) {
	b := newBrowserIn(t, "de")
	d := startDemo(t, "--brand-name", "Acme Anmeldung", "--brand-color", "#0b5cad", "--brand-support", "https://acme.example/hilfe",
		"--brand-color-dark", "#7d8cff", "--brand-text-color-dark", "#0f1116")
	_, link := d.startFlow("demo-tour", "ada")
	b.open(link)
	b.waitHeading("Im Browser fortfahren")
	if got := eval[string](b, `document.documentElement.lang`); got != "de" {
		t.Errorf("<html lang> = %q, want de", got)
	}
	if got := b.text(`form button[type="submit"]`); got != "Weiter" {
		t.Errorf("the link page's button reads %q, want Weiter", got)
	}
	b.audit("link-de")
	b.click(`form button[type="submit"]`)
	b.waitHeading("Willkommen bei Outflow")
	if got := b.text(`button[value="start"]`); got != "Los geht's" {
		t.Errorf("the start button reads %q", got)
	}
	if text := b.pageText(); !strings.Contains(text, "In zwei kurzen Schritten") || !strings.Contains(text, "SANDBOX: nichts hier") {
		t.Errorf("the welcome page is not in German:\n%s", text)
	}
	primary := `getComputedStyle(document.querySelector('button[value="start"]')).backgroundColor`
	if got := eval[string](b, primary); got != "rgb(11, 92, 173)" {
		t.Errorf("the primary button is %s, want the brand's colour", got)
	}
	b.colorScheme("dark")
	if got := eval[string](b, primary); got != "rgb(125, 140, 255)" {
		t.Errorf("in the dark scheme the primary button is %s, want the brand's dark colour", got)
	}
	b.colorScheme("")
	if got := b.text("footer"); !strings.Contains(got, "Acme Anmeldung") || !strings.Contains(got, "Hilfe") {
		t.Errorf("the footer reads %q, want the brand's name and help link", got)
	}
	b.audit("welcome-de")
	b.click(`button[value="start"]`)

	b.waitHeading("Mit Sandbox Contacts verbinden")
	if got := b.text(`button[value="connect"]`); got != "Verbinden" {
		t.Errorf("the connect button reads %q, want Verbinden", got)
	}
	if got := b.text(`button[value="not_now"]`); got != "Nicht jetzt" {
		t.Errorf("the not-now button reads %q, want Nicht jetzt", got)
	}
	if text := b.pageText(); !strings.Contains(text, "optional") || strings.Contains(text, "Connect to") {
		t.Errorf("the scope choice is not in German:\n%s", text)
	}
	b.audit("connect-scopes-de")
	b.click(`button[value="connect"]`)
	b.waitHeading("Allow Outflow demo to access your sandbox account?") // the provider's own page
	b.click(`button[value="approve"]`)
	b.waitHeading("Your Sandbox Contacts")
	b.click(`button[value="next"]`)

	b.waitHeading("Add your Sandbox AI key")
	key := `input[name="apiKey"]`
	if got, want := b.text(`button[value="save"]`)+"/"+b.text(`button[value="cancel"]`), "Speichern/Abbrechen"; got != want {
		t.Errorf("the key form's buttons read %q, want %q", got, want)
	}
	if hint := b.text("#" + b.attr(key, "id") + "-hint"); !strings.HasPrefix(hint, "Er beginnt mit") {
		t.Errorf("the key's hint reads %q", hint)
	}
	b.audit("apikey-de")
	b.typeInto(key, "sk-sandbox-tooshort")
	b.click(`button[value="save"]`)
	b.waitUntil("the message next to the key field", func() bool { return b.attr(key, "aria-invalid") == "true" })
	if msg := b.text("#" + b.attr(key, "id") + "-error"); !strings.Contains(msg, "hat diesen Schlüssel nicht angenommen (HTTP 401)") {
		t.Errorf("the message next to the key field reads %q", msg)
	}
	if text := b.pageText(); strings.Contains(text, "did not accept") || strings.Contains(text, "It starts with") || strings.Contains(text, "Save") {
		t.Errorf("the key form shows English:\n%s", text)
	}
	b.audit("apikey-error-de")
	b.click(`button[value="cancel"]`)
	b.waitHeading("You're all set")
	b.audit("finished-de")

	_, link = d.startFlow("demo-tour", "ada")
	b.open(link)
	b.waitHeading("Im Browser fortfahren")
	b.click(`form button[type="submit"]`)
	b.waitHeading("Willkommen bei Outflow")
	b.click(`button[value="cancel"]`)
	b.waitHeading("Vielleicht später")
	b.audit("cancelled-de")
}
