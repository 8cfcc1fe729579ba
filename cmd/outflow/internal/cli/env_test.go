package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// A misspelled OUTFLOW_ variable is not silently ignored: serve warns with the name it probably
// means, and never repeats its value (it may be a secret). Correct names and the test suite's
// own variables draw no warning.
func TestServeWarnsAboutAMisspelledVariable(t *testing.T) {
	environ := []string{
		"OUTFLOW_MANAGEMENT_KEY=hunter2-management", "OUTFLOW_PUBLC_URL=https://auth.example.com",
		"OUTFLOW_KEYS=", "OUTFLOW_TEST_REDIS_URL=redis://127.0.0.1:6379/0", "PATH=/usr/bin",
	}
	_, stderr := serveExit(t, Env{Environ: func() []string { return environ }}, "--flows", t.TempDir()+"/missing", "--log-format", "json")
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a line on stderr is not JSON: %s", line)
		}
		msgs = append(msgs, rec.Msg)
	}
	for _, want := range []string{
		`OUTFLOW_MANAGEMENT_KEY is not a variable outflow reads (did you mean "OUTFLOW_MANAGEMENT_KEYS"?)`,
		`OUTFLOW_PUBLC_URL is not a variable outflow reads (did you mean "OUTFLOW_PUBLIC_URL"?)`,
	} {
		if !slices.Contains(msgs, want+"; it is ignored") {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, unwanted := range []string{"hunter2", "OUTFLOW_KEYS is not", "OUTFLOW_TEST_REDIS_URL is not", "PATH"} {
		if strings.Contains(stderr, unwanted) {
			t.Errorf("stderr holds %q:\n%s", unwanted, stderr)
		}
	}
}
