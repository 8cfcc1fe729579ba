package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// Without --flows, serve measures the coverage of the built-in flows' scenarios for the console:
// every example flow with scenarios gets its figure, and nothing goes wrong on the way (the
// flows' message catalogs are not mistaken for flows).
func TestCoverageOfTheBuiltInFlows(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	out := measureCoverage(t.Context(), "", slog.New(slog.NewTextHandler(&logs, nil)))
	for _, id := range []string{"demo-tour", "connect-contacts", "choose-plan"} {
		if !strings.Contains(out[id], "branches") {
			t.Errorf("coverage of %s: %q; want its branch coverage", id, out[id])
		}
	}
	if logs.Len() > 0 {
		t.Errorf("measuring the coverage logged:\n%s", logs.String())
	}
}
