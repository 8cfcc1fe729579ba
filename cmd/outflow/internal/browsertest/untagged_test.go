//go:build !browser

package browsertest

import (
	"os"
	"testing"
)

// Without the browser build tag the browser tests are not compiled, so chromedp stays out of
// `go test ./...`. A run that asks for them (OUTFLOW_TEST_CHROMIUM set, or
// OUTFLOW_REQUIRE_CHROMIUM=1) but forgot the tag fails here instead of passing with none run.
func TestTheBrowserTestsNeedTheBrowserTag(t *testing.T) {
	if os.Getenv("OUTFLOW_TEST_CHROMIUM") == "" && os.Getenv("OUTFLOW_REQUIRE_CHROMIUM") != "1" {
		t.Skip("the browser tests build with -tags browser and run when OUTFLOW_TEST_CHROMIUM names Chromium")
	}
	t.Fatal("OUTFLOW_TEST_CHROMIUM or OUTFLOW_REQUIRE_CHROMIUM asks for the browser tests, but they build only with -tags browser: go test -tags browser ./cmd/outflow/internal/browsertest")
}
