package flows

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
)

func coreLoader(t testing.TB) *Loader {
	t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	return NewLoader(reg)
}

// TestLoadErrors loads every flow under testdata/errors and compares all its diagnostics with the
// golden file beside it.
func TestLoadErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test flows: %v", err)
	}
	l := coreLoader(t)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, err := l.LoadFile(file)
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("got %v, want diagnostics", err)
			}
			golden(t, filepath.Join("errors", name+".golden"), []byte(ds.Error()+"\n"))
		})
	}
}

func TestThreeMistakesAreAllReported(t *testing.T) {
	t.Parallel()
	_, err := coreLoader(t).LoadFile("testdata/errors/three-mistakes.yaml")
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 3 {
		t.Fatalf("got %v, want exactly 3 diagnostics", err)
	}
	want := []string{
		`testdata/errors/three-mistakes.yaml:7:5: unknown key "timout" in step "check" (did you mean "timeout"?)`,
		`testdata/errors/three-mistakes.yaml:9:21: unknown step "chek" in steps.chek (did you mean "check"?)`,
		`testdata/errors/three-mistakes.yaml:11:15: next of step "check" refers to unknown step "nowhere"`,
	}
	for i, d := range ds {
		if !strings.HasPrefix(d.String(), want[i]) {
			t.Errorf("diagnostic %d = %q, want %q", i, d.String(), want[i])
		}
	}
}

func TestExampleFlowsLoad(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/flows/*.yaml")
	for _, f := range files {
		if !IsFlowFile(filepath.Base(f)) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "outbound.") || strings.Contains(string(src), "apikey.") {
			continue // needs the outbound kinds; the cmd module's tests load those
		}
		if _, err := coreLoader(t).Load(f, src); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestDuplicateFlowIDsAcrossFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "id: same\nsteps:\n  done:\n    end: {}\n"
	for _, n := range []string{"a.yaml", "b.yaml", "a.test.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := coreLoader(t).LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), `flow id "same" is already used`) || strings.Contains(err.Error(), "a.test.yaml") {
		t.Fatalf("got %v", err)
	}
}

func TestScopeReadsZeroValuesForStepsThatDidNotRun(t *testing.T) {
	t.Parallel()
	f, err := coreLoader(t).Load("z.yaml", []byte(`
id: z
inputs: {n: {type: number, default: 2}}
steps:
  ask:
    screen:
      fields: [{name: agree, type: checkbox, label: Agree}, {name: tags, type: multiselect, label: Tags, options: [{value: a, label: A}]}]
      buttons: [{id: ok}]
    next:
      - when: form.agree && len(form.tags) == 0 && steps.ask.outcome == "" && input.n == 2
        goto: done
      - goto: done
  done:
    end: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	in, problems := f.ApplyInputs(nil)
	if problems != nil || in["n"] != float64(2) {
		t.Fatalf("inputs %v %v", in, problems)
	}
	step, _ := f.Step("ask")
	scope := f.NewScope(ScopeValues{Input: in, Form: map[string]any{"agree": true}, Interaction: "ok", Now: epoch()})
	ok, err := step.Next[0].When.Eval(scope)
	if err != nil || !ok {
		t.Fatalf("condition = %v, %v", ok, err)
	}
}

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/errors/*.yaml")
	files2, _ := filepath.Glob("testdata/graph/*.yaml")
	for _, file := range append(files, files2...) {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	l := coreLoader(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		_, _ = l.Load("fuzz.yaml", src)
	})
}

func epoch() time.Time { return time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC) }

// A problem with a key the step does not have (a select field's missing options) is reported at
// the nearest thing it does have (the field), not at the start of the step's settings.
func TestAMissingKeyIsReportedAtItsParent(t *testing.T) {
	src := "id: sel\nsteps:\n  ask:\n    screen:\n      title: T\n      fields:\n        - {name: a, label: A}\n        - {name: sel, type: select, label: S}\n      buttons:\n        - {id: continue, label: Continue}\n    next: done\n  done:\n    end: {}\n"
	_, err := coreLoader(t).Load("sel.yaml", []byte(src))
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 || ds[0].Line != 8 || ds[0].Col != 11 || !strings.Contains(ds[0].Message, "fields[1].options") {
		t.Fatalf("err = %v, want one problem at sel.yaml:8:11 (the select field)", err)
	}
}
