//go:build browser

package browsertest

import "testing"

// TestForcedColourScheme serves the demo with a brand that forces the dark scheme: a browser that
// prefers light still gets the dark pages, with the brand's dark primary colour, and the pages
// pass the accessibility audit whichever scheme the browser prefers.
func TestForcedColourScheme(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t, "--brand-scheme", "dark", "--brand-color", "#0b5cad", "--brand-color-dark", "#7d8cff", "--brand-text-color-dark", "#0f1116")
	_, link := d.startFlow("demo-tour", "ada")
	b.open(link)
	b.waitHeading("Continue in your browser")
	b.click(`form button[type="submit"]`)
	b.waitHeading("Welcome to Outflow")
	for _, scheme := range []string{"light", "dark"} {
		b.colorScheme(scheme)
		if got := eval[string](b, `getComputedStyle(document.body).backgroundColor`); got != "rgb(17, 19, 23)" {
			t.Errorf("a browser preferring %s sees a page background of %s, want the dark scheme's", scheme, got)
		}
		if got := eval[string](b, `getComputedStyle(document.querySelector('button[value="start"]')).backgroundColor`); got != "rgb(125, 140, 255)" {
			t.Errorf("a browser preferring %s sees the primary button in %s, want the brand's dark colour", scheme, got)
		}
	}
	b.colorScheme("")
	b.audit("welcome-forced-dark")
}
