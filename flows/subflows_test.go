package flows

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// TestSubflowErrors loads each folder under testdata/subflows as one set of flows and compares
// every diagnostic with the golden file beside it: unknown flows, inputs that do not match, ends
// that do not match the declared outputs, cycles and nesting too deep.
func TestSubflowErrors(t *testing.T) {
	dirs, err := filepath.Glob("testdata/subflows/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no test folders: %v", err)
	}
	l := coreLoader(t)
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			_, err := l.LoadDir(dir)
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("got %v, want diagnostics", err)
			}
			golden(t, filepath.Join("subflows", name+".golden"), []byte(ds.Error()+"\n"))
		})
	}
}

const subConsent = `id: consent
inputs:
  app: {type: string, required: true}
outputs:
  connected: bool
  scopes: list
steps:
  ask:
    screen:
      title: Connect?
      buttons: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
    on: {"yes": granted, "no": refused}
    catch: {any: broken}
  granted:
    end: {output: {connected: true, scopes: [a]}}
  refused:
    end: {output: {connected: false}}
  broken:
    action: fail
    with: {code: nope}
`

const subParent = `id: parent
steps:
  connect:
    action: flow
    with: {flow: consent, input: {app: contacts}}
    on: {granted: done, refused: done}
  done:
    end:
      output:
        ok: ${{ steps.connect.output.connected }}
`

// TestSubflowStepIsTypedFromTheFlowItRuns: the step outputs the declared outputs of the flow it
// runs, and its outcomes are that flow's ends (not its fail steps).
func TestSubflowStepIsTypedFromTheFlowItRuns(t *testing.T) {
	t.Parallel()
	l := coreLoader(t)
	sub, err := l.Load("consent.yaml", []byte(subConsent))
	if err != nil {
		t.Fatal(err)
	}
	l.Flows = map[string]*Flow{"consent": sub}
	f, err := l.Load("parent.yaml", []byte(subParent))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := f.Step("connect")
	if got, want := s.Outputs.String(), sub.OutputType().String(); got != want {
		t.Errorf("outputs = %s, want %s", got, want)
	}
	if got := s.Outcomes; len(got) != 2 || got[0] != "granted" || got[1] != "refused" {
		t.Errorf("outcomes = %v, want [granted refused]", got)
	}
	done, _ := f.Step("done")
	if got := done.Outputs.Fields["ok"].Kind; got != actions.KindBool {
		t.Errorf("an output read from the sub-flow's bool is %s, want bool", got)
	}
	if len(f.Calls) != 1 || f.Calls[0] != (Call{Step: "connect", Flow: "consent", Line: 5, Col: 18}) {
		t.Errorf("calls = %+v", f.Calls)
	}
}

// TestSubflowAloneIsUnchecked: a single flow loaded without the flows it runs loads, its sub-flow
// step untyped, so an engine can load a pinned version on its own.
func TestSubflowAloneIsUnchecked(t *testing.T) {
	t.Parallel()
	f, err := coreLoader(t).Load("parent.yaml", []byte(subParent))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := f.Step("connect"); !s.Outputs.IsAny() {
		t.Errorf("outputs = %s, want any", s.Outputs)
	}
}

// TestSubflowGraph draws a step running a flow as one box, and with the flow expanded as a box
// holding its steps.
func TestSubflowGraph(t *testing.T) {
	t.Parallel()
	loaded, err := coreLoader(t).LoadDir(filepath.Join("testdata", "graphsub"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Flow{}
	for _, f := range loaded {
		byID[f.ID] = f
	}
	golden(t, filepath.Join("graphsub", "tour.golden.mmd"), []byte(Mermaid(byID["tour"])))
	golden(t, filepath.Join("graphsub", "tour.expanded.golden.mmd"), []byte(MermaidExpanded(byID["tour"], byID)))
	golden(t, filepath.Join("graphsub", "tour.golden.dot"), []byte(Dot(byID["tour"])))
}

// TestMessageErrors: a message key the default catalog lacks, and a catalog that is not keys to
// texts, are reported as file:line:col.
func TestMessageErrors(t *testing.T) {
	l := coreLoader(t)
	for _, name := range []string{"missing", "broken"} {
		_, err := l.LoadDir(filepath.Join("testdata", "messages", name))
		var ds Diagnostics
		if !errors.As(err, &ds) {
			t.Fatalf("%s: got %v, want diagnostics", name, err)
		}
		golden(t, filepath.Join("messages", name+".golden"), []byte(ds.Error()+"\n"))
	}
}

// TestMessagesFallBackToTheDefaultLocale: a key a language lacks reads in the default one.
func TestMessagesFallBackToTheDefaultLocale(t *testing.T) {
	m, err := LoadMessages(os.DirFS(filepath.Join("testdata", "messages", "missing")), func(p string) string { return p })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, in, want string }{
		{"de", "t:welcome.title", "Willkommen"},
		{"de", "t:welcome.go", "Go"},
		{"fr", "t:welcome.title", "Welcome"},
		{"de", "plain text", "plain text"},
		{"de", "t:no.such", "t:no.such"},
	} {
		if got := m.Text(tc.lang, tc.in); got != tc.want {
			t.Errorf("%s %q = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}
