//go:build browser

package browsertest

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEveryOtherPageStateIsAccessible walks the page states the demo tour does not reach — a
// radio group and its error, a number field, a flow declined on its first screen, a consent
// skipped or declined, the page of a step that waits on another site, a link that never
// existed, an unknown address — and audits each in the light and the dark scheme.
func TestEveryOtherPageStateIsAccessible(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t)

	_, link := d.startFlow("choose-plan", "grace")
	b.openLink(link)
	b.waitHeading("Welcome! Which plan suits you?")
	b.audit("choose-plan")
	b.checkFieldBorders("choose-plan")
	radio := `input[name="plan"]`
	b.do("send the form without choosing",
		evalVoid(`document.querySelector("form").noValidate = true`))
	b.typeInto(`input[name="email"]`, "grace@example.com")
	b.click(`button[value="continue"]`)
	b.waitUntil("the message next to the plans", func() bool { return b.attr(radio, "aria-invalid") == "true" })
	msg := b.text("fieldset .error")
	if !strings.Contains(msg, "Plan") {
		t.Errorf("the plans' message reads %q", msg)
	}
	errorColor := eval[string](b, `getComputedStyle(document.querySelector("fieldset .error")).color`)
	var radios []struct{ Described, Invalid, Border string }
	if err := json.Unmarshal([]byte(eval[string](b, radiosJS)), &radios); err != nil || len(radios) != 2 {
		t.Fatalf("read the plans: %v %v", radios, err)
	}
	for i, r := range radios {
		if !strings.Contains(r.Described, msg) || r.Invalid != "true" || r.Border != errorColor {
			t.Errorf("plan %d: described by %q, aria-invalid %q, border %s; want the message, true and %s", i, r.Described, r.Invalid, r.Border, errorColor)
		}
	}
	if b.attr("fieldset", "aria-required") != "" && b.attr("fieldset", "role") != "radiogroup" {
		t.Error("aria-required on a fieldset that is not a radio group")
	}
	b.audit("choose-plan-error")
	b.click(`input[name="plan"][value="pro"]`)
	b.click(`button[value="continue"]`)
	b.waitHeading("Tell us about your team")
	b.audit("team")
	b.checkFieldBorders("team")

	_, link = d.startFlow("demo-tour", "grace")
	b.openLink(link)
	b.waitHeading("Welcome to Outflow")
	b.click(`button[value="cancel"]`)
	b.waitHeading("Maybe later")
	b.audit("declined-tour")

	_, link = d.startFlow("connect-contacts", "grace")
	b.openLink(link)
	b.waitHeading("Connect to Sandbox Contacts")
	b.click(`button[value="not_now"]`)
	b.waitHeading("No problem")
	b.audit("skipped-consent")

	id, link := d.startFlow("connect-contacts", "grace")
	b.openLink(link)
	b.waitHeading("Connect to Sandbox Contacts")
	b.click(`button[value="connect"]`)
	b.waitHeading("Allow Outflow demo to access your sandbox account?")
	b.open(d.base + "/flows/run/" + id)
	b.waitHeading("Continue on the next site")
	b.audit("waits-on-another-site")
	b.click(".actions a")
	b.waitHeading("Allow Outflow demo to access your sandbox account?")
	b.click(`button[value="deny"]`)
	b.waitHeading("Nothing was connected")
	b.audit("declined-consent")

	b.open(d.base + "/flows/link/abcdefghijklmnopqrstuvwxyz")
	b.waitHeading("This link has already been used")
	b.audit("unknown-link")
	b.open(d.base + "/flows/link/nope")
	b.waitUntil("the page of a malformed link", func() bool { return b.text("h1") != "This link has already been used" })
	b.audit("malformed-link")

	b.open(d.base + "/no-such-page")
	if ct := eval[string](b, `document.contentType`); ct != "text/html" {
		t.Fatalf("a browser that opens an unknown address gets %s, want the Page not found page", ct)
	}
	b.waitHeading("Page not found")
	b.audit("not-found")
}

// radiosJS describes the plan radios: what describes each (the text of its aria-describedby),
// aria-invalid, and the border color of its choice.
const radiosJS = `JSON.stringify([...document.querySelectorAll('input[name="plan"]')].map(r => ({
  Described: (r.getAttribute("aria-describedby") || "").split(" ").map(id => (document.getElementById(id) || {}).textContent || "").join(" | "),
  Invalid: r.getAttribute("aria-invalid") || "",
  Border: getComputedStyle(r.closest(".choice")).borderTopColor,
})))`
