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

// validate reports a step running an unknown flow, flows that run each other and a chain of
// sub-flows nested too deep, each at the flow id of the step, as file:line:col.
func TestValidateReportsUnknownCyclicAndTooDeepSubflows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	calls := func(id, sub string) string {
		return "id: " + id + "\nsteps:\n  run:\n    action: flow\n    with: {flow: " + sub + "}\n    next: done\n  done:\n    end: {}\n"
	}
	files := map[string]string{
		"typo.yaml": calls("typo", "d22"),
		"ping.yaml": calls("ping", "pong"),
		"pong.yaml": calls("pong", "ping"),
		"d1.yaml":   calls("d1", "d2"),
		"d2.yaml":   calls("d2", "d3"),
		"d3.yaml":   calls("d3", "d4"),
		"d4.yaml":   calls("d4", "d5"),
		"d5.yaml":   "id: d5\nsteps:\n  done:\n    end: {}\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, _ := runCLI(t, nil, "validate", dir)
	for _, want := range []string{
		filepath.Join(dir, "typo.yaml") + `:5:18: step "run" runs unknown flow "d22" (did you mean "d2"?)`,
		filepath.Join(dir, "ping.yaml") + `:5:18: step "run" runs flow "pong", which leads back to "ping" (ping → pong → ping)`,
		filepath.Join(dir, "pong.yaml") + `:5:18: step "run" runs flow "ping", which leads back to "pong"`,
		filepath.Join(dir, "d1.yaml") + `:5:18: step "run" runs flow "d2", which nests sub-flows 5 deep; at most 4 may nest`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate: want %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "d2.yaml:5") {
		t.Errorf("a chain 4 deep is allowed:\n%s", out)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}
