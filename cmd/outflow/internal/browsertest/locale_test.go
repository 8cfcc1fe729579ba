package browsertest

import (
	"strings"
	"testing"
)

// TestDemoTourInGerman runs the tour in a browser that prefers German: the built-in pages and the
// tour's own texts (its message catalogs) are German, <html lang> says so, and every page state
// passes the accessibility audit.
func TestDemoTourInGerman(t *testing.T) {
	b := newBrowserIn(t, "de")
	d := startDemo(t)
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
	if text := b.pageText(); !strings.Contains(text, "In zwei kurzen Schritten") || !strings.Contains(text, "Gesichert durch Outflow") {
		t.Errorf("the welcome page is not in German:\n%s", text)
	}
	b.audit("welcome-de")
	b.click(`button[value="cancel"]`)
	b.waitHeading("Vielleicht später")
	b.audit("cancelled-de")
}
