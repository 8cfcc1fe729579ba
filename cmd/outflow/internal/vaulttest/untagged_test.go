//go:build !fosite

package vaulttest

import (
	"os"
	"testing"
)

// Without the fosite build tag the tests against fosite are not compiled, so fosite's
// dependencies stay out of `go test ./...`. A run that asks for them (OUTFLOW_REQUIRE_FOSITE=1)
// but forgot the tag fails here instead of passing with none run.
func TestTheFositeTestsNeedTheFositeTag(t *testing.T) {
	if os.Getenv("OUTFLOW_REQUIRE_FOSITE") != "1" {
		t.Skip("the tests against the fosite authorization server build with -tags fosite")
	}
	t.Fatal("OUTFLOW_REQUIRE_FOSITE=1 asks for the tests against fosite, but they build only with -tags fosite: go test -tags fosite ./cmd/outflow/internal/vaulttest")
}
