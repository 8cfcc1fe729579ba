package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateExamplesPass(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, nil, "validate", examplesDir(t))
	if code != 0 || !strings.Contains(out, "choose-plan") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

func TestValidateReportsEveryProblemWithItsPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`id: bad
steps:
  check:
    action: set
    with:
      ok: true
    timout: 5s
    next:
      - when: steps.chek.output.ok
        goto: done
      - goto: nowhere
  done:
    end: {}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, nil, "validate", bad)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		bad + `:7:5: unknown key "timout"`,
		bad + `:9:21: unknown step "chek"`,
		bad + `:11:15: next of step "check" refers to unknown step "nowhere"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestGraphAndSchemaCommands(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "graph", filepath.Join(examplesDir(t), "choose-plan.yaml"))
	if code != 0 || !strings.Contains(out, "flowchart TD") {
		t.Fatalf("graph: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, nil, "graph", "--format", "dot", filepath.Join(examplesDir(t), "choose-plan.yaml"))
	if code != 0 || !strings.HasPrefix(out, "digraph") {
		t.Fatalf("graph dot: %d\n%s", code, out)
	}
	// An expanded graph is Mermaid only: asked for DOT, graph says so instead of printing Mermaid.
	code, out, errOut := runCLI(t, nil, "graph", "--expand", "--format", "dot", filepath.Join(examplesDir(t), "connect-contacts.yaml"))
	if code != 2 || out != "" || !strings.Contains(errOut, "--expand draws Mermaid only") {
		t.Fatalf("graph --expand --format dot: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, nil, "schema")
	if code != 0 || !strings.Contains(out, `"outbound.connect"`) || !strings.Contains(out, `"apikey.collect"`) {
		t.Fatalf("schema: %d", code)
	}
}

func TestKeysGenerate(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "keys", "generate", "--id", "k1")
	if code != 0 || !strings.HasPrefix(out, "k1:") {
		t.Fatalf("%d %q", code, out)
	}
}
