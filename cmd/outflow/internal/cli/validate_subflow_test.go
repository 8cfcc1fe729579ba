package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate reports sub-flow and message catalog errors as file:line:col.
func TestValidateReportsSubflowAndLocaleErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("consent.yaml", "id: consent\ninputs:\n  app: {type: string, required: true}\noutputs:\n  connected: bool\nsteps:\n  done:\n    end: {title: t:consent.done, output: {connected: true}}\n")
	write("tour.yaml", "id: tour\nsteps:\n  connect:\n    action: flow\n    with: {flow: consent, input: {ap: x}}\n    next: done\n  done:\n    end: {}\n")
	write("locales/en.yaml", "consent:\n  title: Done\n")
	code, out, _ := runCLI(t, nil, "validate", dir)
	for _, want := range []string{
		filepath.Join(dir, "consent.yaml") + `:8:18: locales/en.yaml has no message "consent.done"`,
		filepath.Join(dir, "tour.yaml") + `:5:39: step "connect": flow "consent" has no input "ap"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate: want %q in\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}
