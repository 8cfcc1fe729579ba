package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/flowtest"
)

func runTest(ctx context.Context, args []string, env Env) int {
	fs := newFlags("test", "PATH...", env)
	requireCoverage := fs.Bool("require-coverage", false, "fail when a flow tested has a branch no scenario takes (or no scenario)")
	verbose := fs.Bool("v", false, "show, for each failed scenario, what its execution did step by step, and the engine's logs")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	paths, ok, code := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		fs.Usage()
		return 2
	}
	reg, err := registry(nil)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow test:", err)
		return 2
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = textLogger(env)
	}
	rep, err := flowtest.Run(ctx, flowtest.Options{Registry: reg, Paths: paths, RequireCoverage: *requireCoverage, Logger: log})
	var ds flows.Diagnostics
	switch {
	case errors.As(err, &ds):
		for _, d := range ds {
			fmt.Fprintln(env.Stdout, d.String())
		}
		fmt.Fprintf(env.Stderr, "%d problem(s) in the flows and scenario files; no scenario ran\n", len(ds))
		return 2
	case err != nil:
		fmt.Fprintln(env.Stderr, "outflow test:", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(testJSON{Report: rep, OK: rep.OK()}); err != nil {
			fmt.Fprintln(env.Stderr, "outflow test:", err)
			return 2
		}
	} else {
		fmt.Fprint(env.Stdout, rep)
		if *verbose {
			for _, s := range rep.Failed() {
				if s.Trace != nil {
					fmt.Fprintf(env.Stdout, "\n--- %s: %s: what the execution did\n%s", s.Flow, s.Name, s.Trace)
				}
			}
		}
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// testJSON is the --json output: the report and whether the run passed.
type testJSON struct {
	*flowtest.Report
	OK bool `json:"ok"`
}
