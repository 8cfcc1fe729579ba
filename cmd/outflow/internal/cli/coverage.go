package cli

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/outflowhq/outflow/examples"
	"github.com/outflowhq/outflow/flowtest"
)

// flowCoverage runs the scenarios (*.test.yaml) beside the served flows once, in the
// background, and returns what the console shows for a flow: its branch coverage, "" when no
// scenario covers it, or a note while the scenarios still run.
func flowCoverage(ctx context.Context, dir string, log *slog.Logger) func(flowID string) string {
	var (
		mu   sync.Mutex
		done bool
		by   = map[string]string{}
	)
	go func() {
		res := measureCoverage(ctx, dir, log)
		mu.Lock()
		defer mu.Unlock()
		by, done = res, true
	}()
	return func(id string) string {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			return "being measured (the scenarios are running)"
		}
		return by[id]
	}
}

func measureCoverage(ctx context.Context, dir string, log *slog.Logger) map[string]string {
	out := map[string]string{}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "outflow-scenarios-")
		if err != nil {
			return out
		}
		defer os.RemoveAll(tmp)
		// The tree as it is: the flows' message catalogs stay in locales/, not among the flows.
		if err := os.CopyFS(tmp, examples.Flows()); err != nil {
			log.Warn("the built-in flows could not be copied for their scenarios; the console shows no coverage", "error", err)
			return out
		}
		dir = tmp
	}
	reg, err := registry(nil)
	if err != nil {
		return out
	}
	rep, err := flowtest.Run(ctx, flowtest.Options{Registry: reg, Paths: []string{dir}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Warn("the scenarios beside the flows did not run; the console shows no coverage", "error", err)
		return out
	}
	for _, c := range rep.Coverage {
		if c.Scenarios > 0 {
			out[c.Flow] = strings.TrimPrefix(c.String(), c.Flow+": ")
		}
	}
	return out
}
