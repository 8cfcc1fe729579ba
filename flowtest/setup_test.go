package flowtest_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/flowtest"
)

// update rewrites the golden files under testdata/ instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("%s differs; if the change is intended, run go test ./flowtest -run %s -update\n--- got ---\n%s", path, t.Name(), got)
	}
}

// errNoVault is what test.lookup fails with when it runs: like an outbound action without its
// services, it must be mocked.
var errNoVault = errors.New("no vault configured")

// lookupKind stands for an action that needs outside services: it has outcomes, an output, error
// codes, and fails with an internal error when it actually runs.
var lookupKind = actions.Define(actions.Kind{
	Name:     "test.lookup",
	Outputs:  actions.Object(map[string]actions.Type{"plan": actions.String()}),
	Outcomes: []string{"found", "missing"},
	Errors:   []string{"provider_down"},
}, func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
	return actions.Result{}, errNoVault
})

// registry returns the core kinds and test.lookup.
func registry(t *testing.T) *actions.Registry {
	t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(lookupKind); err != nil {
		t.Fatal(err)
	}
	return reg
}

// run runs the scenarios of paths and fails the test on a load error.
func run(t *testing.T, opts flowtest.Options) *flowtest.Report {
	t.Helper()
	if opts.Registry == nil {
		opts.Registry = registry(t)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	rep, err := flowtest.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("run %v: %v", opts.Paths, err)
	}
	return rep
}

// writeFiles writes files into a new temporary folder and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scenario returns the result of the named scenario.
func scenario(t *testing.T, rep *flowtest.Report, name string) flowtest.ScenarioResult {
	t.Helper()
	for _, s := range rep.Scenarios {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no scenario %q in the report", name)
	return flowtest.ScenarioResult{}
}
