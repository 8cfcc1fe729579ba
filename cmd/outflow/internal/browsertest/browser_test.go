//go:build browser

package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Environment variables read by this package.
const (
	envChromium          = "OUTFLOW_TEST_CHROMIUM"
	envRequireChromium   = "OUTFLOW_REQUIRE_CHROMIUM"
	envScreenshots       = "OUTFLOW_SCREENSHOTS"
	envUpdateScreenshots = "OUTFLOW_UPDATE_SCREENSHOTS"
)

// Viewports: a laptop, and a phone for the screenshots that check the pages fit one.
const (
	desktopWidth, desktopHeight = 1280, 860
	phoneWidth, phoneHeight     = 390, 844
	// narrowWidth is the narrowest a page must fit without scrolling sideways (WCAG 1.4.10).
	narrowWidth = 320
)

// waitFor bounds each wait for the page to show something.
const waitFor = 20 * time.Second

// browser is one headless Chromium tab, with the screenshots taken along the way.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots []shot
	// axe is the source of axe-core, "" when the pages are not audited.
	axe string
}

type shot struct {
	name string
	png  []byte
}

// newBrowser starts headless Chromium with a fresh profile. It skips the test when
// OUTFLOW_TEST_CHROMIUM is unset, and fails it when OUTFLOW_REQUIRE_CHROMIUM=1.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	return newBrowserWith(t)
}

// newBrowserIn returns a browser whose preferred language is lang (its Accept-Language).
func newBrowserIn(t *testing.T, lang string) *browser {
	t.Helper()
	return newBrowserWith(t, chromedp.Flag("lang", lang), chromedp.Flag("accept-lang", lang))
}

func newBrowserWith(t *testing.T, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		if os.Getenv(envRequireChromium) == "1" {
			t.Fatalf("%s=1 but %s is not set; set it to a Chromium binary (/usr/bin/chromium from Debian's chromium package)", envRequireChromium, envChromium)
		}
		t.Skipf("%s is not set; set it to a Chromium binary (e.g. /usr/bin/chromium) to run the browser tests", envChromium)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s=%s: %v", envChromium, path, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(desktopWidth, desktopHeight),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, ctx: ctx}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		b.saveShots()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, desktopHeight)); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	b.loadAxe()
	return b
}

// do runs browser actions, failing the test with what was being done.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// fail takes a screenshot of the page as it is and fails the test.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	b.shot("failure")
	b.t.Fatalf(format+"\npage: %s", append(args, b.pageText())...)
}

func (b *browser) open(url string) { b.t.Helper(); b.do("open "+url, chromedp.Navigate(url)) }

// openLink opens a one-time link as a person does: its page, then Continue.
func (b *browser) openLink(url string) {
	b.t.Helper()
	b.open(url)
	b.waitHeading("Continue in your browser")
	b.click(`form button[type="submit"]`)
}

func (b *browser) click(css string) {
	b.t.Helper()
	b.do("click "+css, chromedp.Click(chromedp.CSS(css)))
}

// evalVoid runs JavaScript on the page for its effect.
func evalVoid(js string) chromedp.Action[chromedp.Void] { return chromedp.Evaluate[chromedp.Void](js) }

// typeInto replaces what a text field holds with s.
func (b *browser) typeInto(css, s string) {
	b.t.Helper()
	b.do("type into "+css,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, css)),
		chromedp.SendKeys(chromedp.CSS(css), s))
}

// eval evaluates a JavaScript expression on the page; errors (a page being replaced) give the
// zero value.
func eval[T any](b *browser, expr string) T {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	v, _ := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	return v
}

// text is the trimmed text of the first element matching css, "" when there is none.
func (b *browser) text(css string) string {
	return strings.TrimSpace(eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, css)))
}

func (b *browser) attr(css, name string) string {
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {getAttribute(){return ""}}).getAttribute(%q) || ""`, css, name))
}

func (b *browser) pageText() string {
	s := eval[string](b, `document.location.href + "\n" + (document.body ? document.body.innerText : "")`)
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

// waitHeading waits until the page's h1 reads want: the browser followed a link, a form's
// redirects or a provider's consent to the next page.
func (b *browser) waitHeading(want string) {
	b.t.Helper()
	b.waitUntil("the heading "+want, func() bool { return b.text("h1") == want })
}

// waitUntil polls the page until ok, or fails the test after waitFor.
func (b *browser) waitUntil(what string, ok func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !ok() {
		if time.Now().After(deadline) {
			b.fail("waited %s for %s", waitFor, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shot keeps a full-page screenshot at the desktop size.
func (b *browser) shot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.shots = append(b.shots, shot{name: name, png: png})
}

// fitsWidth checks that the page does not scroll sideways at width, then goes back to the
// desktop size.
func (b *browser) fitsWidth(state string, width int64) {
	b.t.Helper()
	b.do("emulate a narrow phone", chromedp.EmulateViewport(width, phoneHeight, chromedp.EmulateMobile))
	b.waitUntil("the page to fit the phone", func() bool {
		return eval[int64](b, `document.documentElement.clientWidth`) == width
	})
	if w := eval[int64](b, `document.documentElement.scrollWidth`); w > width {
		b.t.Errorf("%s: the page is %dpx wide on a %dpx phone; it scrolls sideways", state, w, width)
	}
	b.do("emulate a laptop", chromedp.EmulateViewport(desktopWidth, desktopHeight))
}

// phoneShot keeps a screenshot at a phone's width, then goes back to the desktop size.
func (b *browser) phoneShot(name string) {
	b.t.Helper()
	b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
	b.waitUntil("the page to fit the phone", func() bool {
		return eval[int](b, `document.documentElement.clientWidth`) == phoneWidth
	})
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > phoneWidth {
		b.t.Errorf("%s: the page is %dpx wide on a %dpx phone; it scrolls sideways", name, w, phoneWidth)
	}
	b.shot(name)
	b.do("emulate a laptop", chromedp.EmulateViewport(desktopWidth, desktopHeight))
}

// saveShots writes the screenshots: all of them when the test failed (to OUTFLOW_SCREENSHOTS or
// a new temporary folder), and the documented ones to docs/screenshots/ with
// OUTFLOW_UPDATE_SCREENSHOTS=1.
func (b *browser) saveShots() {
	if b.t.Failed() && len(b.shots) > 0 {
		dir := os.Getenv(envScreenshots)
		var err error
		if dir == "" {
			dir, err = os.MkdirTemp("", "outflow-screenshots-")
		} else {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			b.t.Logf("keep screenshots: %v", err)
			return
		}
		for i, s := range b.shots {
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%02d-%s.png", b.t.Name(), i+1, s.name)), s.png, 0o644)
		}
		b.t.Logf("screenshots of every step are in %s", dir)
	}
	if os.Getenv(envUpdateScreenshots) == "1" && !b.t.Failed() {
		dir := filepath.Join(repoRoot, "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Errorf("update screenshots: %v", err)
			return
		}
		for _, s := range b.shots {
			if documented[s.name] {
				if err := os.WriteFile(filepath.Join(dir, s.name+".png"), s.png, 0o644); err != nil {
					b.t.Errorf("update screenshots: %v", err)
				}
			}
		}
	}
}
