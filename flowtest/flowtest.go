// Package flowtest runs scenario tests of flows in-process: each scenario of a `*.test.yaml` file
// starts its flow on an embedded store with a fake clock, answers its screens, replaces chosen steps
// with fixed results, and checks where the execution went, what it showed and what it produced. The
// report says which scenarios failed, naming the step and both branches when a flow went elsewhere
// than expected, and which branches of each flow no scenario took.
//
// A scenario file sits next to its flow (signup.yaml, signup.test.yaml):
//
//	flow: signup                   # default: the flow file with the same base name
//	scenarios:
//	  - name: pro teams are asked for their size
//	    input: {greeting: Hi}
//	    user: u1
//	    mock:                      # fixed results by step id; the action does not run
//	      lookup: {outcome: found, output: {plan: pro}}
//	    interactions:
//	      - expect: {step: pick, title: "Hi! Which plan suits you?"}
//	        press: continue
//	        with: {plan: pro, email: a@b.co}
//	    expect:
//	      path: [lookup, pick, team]
//	      status: waiting
//
// docs/flows.md ("Testing flows") describes every key.
//
// Hosts run their scenarios under `go test` with Test, and from the command line with
// `outflow test`. Nothing touches the network: Redis is the embedded in-memory one.
package flowtest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/store"
)

// Options configure a run of scenario tests.
type Options struct {
	// Registry resolves the action kinds of the flows. Required. Steps whose actions need services
	// the test does not have (the outbound kinds registered without their dependencies) must be
	// mocked by the scenarios that reach them.
	Registry *actions.Registry
	// Paths are flow files, scenario files (*.test.yaml) and folders of both (not their
	// subfolders). A flow file brings its scenario file (same base name) along; a scenario file
	// brings the flows of its folder, to find its flow.
	Paths []string
	// RequireCoverage makes full branch coverage part of passing: Report.OK is false when a flow
	// tested, or a sub-flow it runs, has no scenario, or a branch that no scenario took.
	RequireCoverage bool
	// Now is the fake clock's time when each scenario starts (default 2026-01-01T00:00:00Z).
	Now time.Time
	// Limits bound flow expressions, as the host's loader does.
	Limits flows.Limits
	// Logger receives the engine's logs, such as an action failing with an internal error; nil
	// means slog.Default().
	Logger *slog.Logger
}

// DefaultNow returns the fake clock's time when a scenario starts, unless Options.Now is set:
// 2026-01-01T00:00:00Z.
func DefaultNow() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// ErrNoScenarios is returned when the paths hold no flow and no scenario file.
var ErrNoScenarios = errors.New("flowtest: no flows and no scenario files found")

// Run loads the flows and scenario files of opts.Paths and runs every scenario. A problem in a flow
// or scenario file stops it before any scenario runs: the error is then a flows.Diagnostics that
// lists every problem as file:line:col. Failed scenarios are not an error: they are in the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	s, err := load(opts)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rep := &Report{RequireCoverage: opts.RequireCoverage}
	for _, sc := range s.scenarios {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.Scenarios = append(rep.Scenarios, s.run(ctx, st, sc, s.log()))
	}
	rep.Coverage = s.coverage(rep.Scenarios)
	return rep, nil
}

// openStore starts the embedded in-memory Redis the scenarios run on.
func openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, store.Options{Prefix: "flowtest", Logger: slog.New(slog.DiscardHandler)})
}
