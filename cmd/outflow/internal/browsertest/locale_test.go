package browsertest

import (
	"strings"
	"testing"
)

// TestDemoTourInGerman runs the tour in a browser that prefers German, on a server with a brand of
// its own: the built-in pages and the tour's own texts (its message catalogs) are German, <html
// lang> says so, the primary buttons wear the brand's colour, and every page state passes the
// accessibility audit in both colour schemes.
func TestDemoTourInGerman(t *testing.T) {
	b := newBrowserIn(t, "de")
	d := startDemo(t, "--brand-name", "Acme Anmeldung", "--brand-color", "#0b5cad", "--brand-support", "https://acme.example/hilfe")
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
	if got := eval[string](b, `getComputedStyle(document.querySelector('button[value="start"]')).backgroundColor`); got != "rgb(11, 92, 173)" {
		t.Errorf("the primary button is %s, want the brand's colour", got)
	}
	if got := b.text("footer"); !strings.Contains(got, "Acme Anmeldung") || !strings.Contains(got, "Hilfe") {
		t.Errorf("the footer reads %q, want the brand's name and help link", got)
	}
	b.audit("welcome-de")
	b.click(`button[value="cancel"]`)
	b.waitHeading("Vielleicht später")
	b.audit("cancelled-de")
}
