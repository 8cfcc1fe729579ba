package flowtest

import (
	"context"
	"log/slog"
	"testing"
)

// Test runs every scenario of opts.Paths as a subtest of t (named "flow/scenario"), so a host tests
// its flows in its own CI with `go test`:
//
//	func TestFlows(t *testing.T) {
//		reg := actions.NewRegistry()
//		if err := builtin.Register(reg, builtin.Deps{}); err != nil {
//			t.Fatal(err)
//		}
//		flowtest.Test(t, flowtest.Options{Registry: reg, Paths: []string{"flows"}, RequireCoverage: true})
//	}
//
// A problem in a flow or scenario file fails t before any scenario runs. The coverage is logged;
// with RequireCoverage, a flow with a branch no scenario took fails t (unless -run selected only
// some scenarios). Unless opts.Logger is set, the engine's logs go to the subtest's log. It returns
// the report of the scenarios that ran.
func Test(t *testing.T, opts Options) *Report {
	t.Helper()
	s, err := load(opts)
	if err != nil {
		t.Fatalf("flowtest: %v", err)
	}
	ctx := context.Background()
	st, err := openStore(ctx)
	if err != nil {
		t.Fatalf("flowtest: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	rep := &Report{RequireCoverage: opts.RequireCoverage}
	for _, sc := range s.scenarios {
		t.Run(sc.flowID+"/"+sc.name, func(t *testing.T) {
			log := opts.Logger
			if log == nil {
				log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
			}
			res := s.run(ctx, st, sc, log)
			rep.Scenarios = append(rep.Scenarios, res)
			for _, m := range res.Messages() {
				t.Errorf("%s:%d: %s", res.File, res.Line, m)
			}
			if res.Failed() && res.Trace != nil {
				t.Logf("what the execution did:\n%s", res.Trace)
			}
		})
	}
	rep.Coverage = s.coverage(rep.Scenarios)
	if len(rep.Scenarios) < len(s.scenarios) {
		t.Logf("coverage not checked: %d of %d scenarios ran", len(rep.Scenarios), len(s.scenarios))
		return rep
	}
	for _, c := range rep.Coverage {
		if opts.RequireCoverage && !c.Complete() {
			t.Errorf("%s: coverage required: %s", c.File, c)
		} else {
			t.Logf("coverage %s", c)
		}
	}
	return rep
}

// testWriter sends log lines to a test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}
