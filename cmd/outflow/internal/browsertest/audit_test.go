//go:build browser

package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// envAxe names axe.min.js from the npm package axe-core; .ci/run installs it and sets it.
const envAxe = "OUTFLOW_TEST_AXE"

// colorSchemes are the schemes every page state is audited in.
var colorSchemes = []string{"light", "dark"}

// axeViolation is what the test reports of one axe-core violation.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// runAxe runs axe-core's default rules (WCAG 2.x A and AA, and best practices) on the page and
// returns the violations as JSON.
const runAxe = `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({
  id: v.id, impact: v.impact || "", help: v.help, targets: v.nodes.map(n => n.target.join(" "))
}))))`

// loadAxe reads axe-core for the audits. Without OUTFLOW_TEST_AXE the audits are left out, unless
// OUTFLOW_REQUIRE_CHROMIUM=1, which fails the test.
func (b *browser) loadAxe() {
	b.t.Helper()
	path := os.Getenv(envAxe)
	if path == "" {
		if os.Getenv(envRequireChromium) == "1" {
			b.t.Fatalf("%s=1 but %s is not set; set it to axe.min.js from the npm package axe-core (.ci/run installs it)", envRequireChromium, envAxe)
		}
		b.t.Logf("%s is not set: the pages are not audited for accessibility", envAxe)
		return
	}
	src, err := os.ReadFile(path)
	if err != nil {
		b.t.Fatalf("%s: %v", envAxe, err)
	}
	b.axe = string(src)
}

// audit runs axe-core on the page as it is, in the light and the dark color scheme, and fails
// the test listing every violation: rule, impact and the elements concerned.
func (b *browser) audit(state string) {
	b.t.Helper()
	if b.axe == "" {
		return
	}
	for _, scheme := range colorSchemes {
		b.colorScheme(scheme)
		if !eval[bool](b, `!!window.axe`) {
			b.do("load axe-core", chromedp.Evaluate[chromedp.Void](b.axe))
		}
		ctx, cancel := context.WithTimeout(b.ctx, waitFor)
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](runAxe, chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			b.fail("%s (%s): run axe-core: %v", state, scheme, err)
		}
		var found []axeViolation
		if err := json.Unmarshal([]byte(raw), &found); err != nil {
			b.fail("%s (%s): read axe-core's answer: %v", state, scheme, err)
		}
		if len(found) > 0 {
			b.shot(state + "-" + scheme + "-violations")
			var list strings.Builder
			for _, v := range found {
				fmt.Fprintf(&list, "\n  %s (%s): %s — %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
			}
			b.t.Errorf("%s in the %s scheme: %d accessibility violations:%s", state, scheme, len(found), list.String())
		}
	}
	b.colorScheme("")
}

// colorScheme makes the page see prefers-color-scheme as scheme ("" for the browser's own).
func (b *browser) colorScheme(scheme string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	params := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, params); err != nil {
		b.fail("emulate the %q color scheme: %v", scheme, err)
	}
	if scheme != "" {
		b.waitUntil("the "+scheme+" scheme", func() bool {
			return eval[bool](b, `matchMedia("(prefers-color-scheme: `+scheme+`)").matches`)
		})
	}
}

// fieldBorders lists the text-like fields whose border contrasts less than 3:1 with the
// field's background (WCAG 1.4.11), with the ratio.
const fieldBorders = `(() => {
  const rgb = c => c.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const out = [];
  for (const el of document.querySelectorAll("input[type=text], input[type=email], input[type=number], input[type=password], select, textarea")) {
    const s = getComputedStyle(el);
    const r = ratio(s.borderTopColor, s.backgroundColor);
    if (r < 3) out.push(el.name + " " + r.toFixed(2) + ":1");
  }
  return out.join(", ");
})()`

// checkFieldBorders fails the test when a field's border is too faint to find the field, in the
// light or the dark scheme.
func (b *browser) checkFieldBorders(state string) {
	b.t.Helper()
	for _, scheme := range colorSchemes {
		b.colorScheme(scheme)
		if faint := eval[string](b, fieldBorders); faint != "" {
			b.t.Errorf("%s in the %s scheme: field borders under 3:1 against the field: %s", state, scheme, faint)
		}
	}
	b.colorScheme("")
}
