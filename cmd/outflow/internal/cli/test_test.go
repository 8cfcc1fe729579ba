package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository root, seen from this package.
const root = "../../../../"

// runCLI runs the outflow command in-process and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errOut.String()
}

func TestTestPassesOnTheExamplesWithFullCoverage(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, nil, "test", root+"examples/flows", "--require-coverage")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// The examples cover a wait step's branches and a sub-flow's, the latter run for real too.
	for _, want := range []string{"PASS  choose-plan: pro teams are asked for their size", "choose-plan: 4/4 branches", "0 failed",
		"    approve-tenant-key: ", "    contacts-consent: ", "scenarios run it as a sub-flow)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTestFailsOnAWrongScenario(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "test", "-v", root+"flowtest/testdata/wrong/plan.yaml")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		`FAIL  choose-plan: free plan`,
		`at step "pick" the flow went to "done" (default branch) but the scenario expected "team"`,
		`--- choose-plan: free plan: what the execution did`,
		`line 35: form.plan == "pro" → false (form.plan = "free")`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTestRequireCoverage(t *testing.T) {
	t.Parallel()
	// Every scenario of the lookup flow passes, but one branch is never taken.
	path := root + "flowtest/testdata/lookup"
	if code, out, _ := runCLI(t, nil, "test", path); code == 0 {
		// test.lookup is not a built-in kind: the flow does not load.
		t.Fatalf("exit 0 for a flow with an unknown action\n%s", out)
	}
	code, out, _ := runCLI(t, nil, "test", "--require-coverage", root+"flowtest/testdata/wrong/plan.yaml")
	if code != 1 || !strings.Contains(out, "full coverage is required") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestTestUsageAndLoadErrors(t *testing.T) {
	t.Parallel()
	if code, _, _ := runCLI(t, nil, "test"); code != 2 {
		t.Errorf("no path: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, nil, "test", "--bogus", "x"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, _, errOut := runCLI(t, nil, "test", root+"nowhere"); code != 2 || !strings.Contains(errOut, "nowhere") {
		t.Errorf("missing path: exit %d, %s", code, errOut)
	}
	code, out, errOut := runCLI(t, nil, "test", root+"flowtest/testdata/errors", root+"flowtest/testdata/wrong/plan.yaml")
	if code != 2 || !strings.Contains(out, `bad.test.yaml:6:7: mock: flow "choose-plan" has no step "pik" (did you mean "pick"?)`) || !strings.Contains(errOut, "no scenario ran") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestTestJSON(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "test", "--json", root+"examples/flows/choose-plan.yaml")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var rep struct {
		OK        bool `json:"ok"`
		Scenarios []struct {
			Name string   `json:"name"`
			Path []string `json:"path"`
		} `json:"scenarios"`
		Coverage []struct {
			Flow  string `json:"flow"`
			Edges []struct {
				Via   string `json:"via"`
				Taken int    `json:"taken"`
			} `json:"edges"`
		} `json:"coverage"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !rep.OK || len(rep.Scenarios) == 0 || len(rep.Coverage) != 1 || len(rep.Coverage[0].Edges) != 4 {
		t.Fatalf("report = %+v", rep)
	}
}

func TestParseInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
		set  bool
	}{
		{[]string{"a", "b"}, "a b", false},
		{[]string{"-x", "a"}, "a", true},
		{[]string{"a", "-x", "b"}, "a b", true},
		{[]string{"a", "--", "-x"}, "a -x", false},
	}
	for _, tt := range tests {
		fs := newFlags("t", "", Env{Stderr: &bytes.Buffer{}})
		x := fs.Bool("x", false, "")
		got, ok, _ := parseInterspersed(fs, tt.args)
		if !ok || strings.Join(got, " ") != tt.want || *x != tt.set {
			t.Errorf("%q: got %q x=%v ok=%v", tt.args, got, *x, ok)
		}
	}
}

func TestTestRequireCoverageCountsTheBranchesOfSubflows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"ask.yaml": `id: ask
steps:
  q:
    screen:
      title: Agree?
      buttons: [{id: "yes", label: "Yes"}, {id: "no", label: "No"}]
    on: {"yes": agreed, "no": refused}
  agreed:
    end: {}
  refused:
    end: {}
`,
		"main.yaml": `id: main
steps:
  run:
    action: flow
    with: {flow: ask}
    on: {agreed: done, refused: done}
  done:
    end: {}
`,
		"main.test.yaml": `flow: main
scenarios:
  - name: agreeing inside the sub-flow
    interactions:
      - press: "yes"
    expect:
      path: [run, run/q, run/agreed, run, done]
  - name: the sub-flow mocked
    mock:
      run: {outcome: refused}
    expect:
      path: [run, done]
`,
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI(t, nil, "test", filepath.Join(dir, "main.yaml"), filepath.Join(dir, "main.test.yaml"), "--require-coverage")
	if code != 1 {
		t.Fatalf("exit %d, want 1: the sub-flow's refused branch is never taken\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"main: 2/2 branches",
		"✗ ask: 1/2 branches (1 of 1 scenarios run it as a sub-flow); never taken: q → refused (on no)",
		"2 scenarios: 2 passed, 0 failed; 1 of 2 flows not fully covered (full coverage is required)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
