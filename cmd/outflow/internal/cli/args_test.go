package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// Flags may follow the positional arguments of every command, as they may for `outflow test`;
// a command that takes no positional argument refuses one instead of ignoring the flags after it.
func TestFlagsMayFollowArguments(t *testing.T) {
	t.Parallel()
	plan := filepath.Join(examplesDir(t), "choose-plan.yaml")
	if code, out, errOut := runCLI(t, nil, "graph", plan, "--format", "dot"); code != 0 || !strings.HasPrefix(out, "digraph") {
		t.Errorf("graph FILE --format dot: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, nil, "validate", plan, "-h"); code != 0 || out != "" || !strings.Contains(errOut, "usage: outflow validate") {
		t.Errorf("validate FILE -h: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, nil, "validate", plan, filepath.Join(examplesDir(t), "demo-tour.yaml")); code != 0 || strings.Count(out, "ok  ") != 2 {
		t.Errorf("validate FILE FILE: %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"serve", "examples/flows", "--demo"},
		{"schema", "extra"},
		{"keys", "generate", "k1", "--id", "k2"},
		{"apps", "apply", "apps.yaml"},
	} {
		code, out, errOut := runCLI(t, nil, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "unexpected argument") || !strings.Contains(errOut, "usage: outflow") {
			t.Errorf("%q: %d\n%s%s", args, code, out, errOut)
		}
	}
}

// `outflow keys -h` (and --help, help) prints the keys usage; an unknown subcommand prints it
// after saying so.
func TestKeysHelp(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"-h", "--help", "help"} {
		code, _, errOut := runCLI(t, nil, "keys", h)
		if code != 0 || strings.Contains(errOut, "unknown subcommand") || !strings.Contains(errOut, "usage: outflow keys generate") ||
			!strings.Contains(errOut, "outflow keys rotate") {
			t.Errorf("keys %s: %d\n%s", h, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, nil, "keys", "bogus"); code != 2 || !strings.Contains(errOut, `unknown subcommand "bogus"`) || !strings.Contains(errOut, "usage: outflow keys") {
		t.Errorf("keys bogus: %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "apps", "-h"); code != 0 || !strings.Contains(errOut, "usage: outflow apps apply") {
		t.Errorf("apps -h: %d\n%s", code, errOut)
	}
}

// Every command's -h says what it does and lists its flags, -h itself included, so a command
// without flags of its own does not print an empty "[flags]".
func TestEveryCommandsHelpListsItsFlags(t *testing.T) {
	t.Parallel()
	for name, want := range map[string][]string{
		"validate": {"usage: outflow validate [flags] PATH...", capitalize(commands()["validate"].summary), "Flags:", "-h, --help"},
		"schema":   {"usage: outflow schema [flags]", capitalize(commands()["schema"].summary), "Flags:", "-h, --help"},
		"serve":    {"usage: outflow serve [flags]", capitalize(commands()["serve"].summary), "Flags:", "-demo", "-log-format", "-h, --help"},
		"graph":    {"usage: outflow graph [flags]", "Flags:", "-format", "-h, --help"},
	} {
		code, out, errOut := runCLI(t, nil, name, "-h")
		for _, w := range want {
			if code != 0 || out != "" || !strings.Contains(errOut, w) {
				t.Errorf("%s -h: %d, lacks %q:\n%s%s", name, code, w, out, errOut)
			}
		}
	}
}
