package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/outflowhq/outflow/examples"
	"github.com/outflowhq/outflow/flows"
)

// builtInFlows names the example flows built into the binary in messages.
const builtInFlows = "the built-in example flows"

// loadFlows adds the flows of dir to the engine, or the example flows built into the binary when
// dir is "", so that the demo runs from any folder.
func loadFlows(ctx context.Context, b *backend, dir string) error {
	loader := flows.NewLoader(b.registry)
	var (
		loaded []*flows.Flow
		err    error
	)
	from := dir
	if dir == "" {
		from = builtInFlows
		loaded, err = loader.LoadFS(examples.Flows())
	} else {
		if _, statErr := os.Stat(dir); statErr != nil {
			return fmt.Errorf("flows folder %q: %w (set --flows)", dir, statErr)
		}
		loaded, err = loader.LoadDir(dir)
	}
	var ds flows.Diagnostics
	switch {
	case errors.As(err, &ds):
		return &flowsError{from: from, problems: ds}
	case err != nil:
		return fmt.Errorf("load flows from %s: %w", from, err)
	}
	for _, f := range loaded {
		if err := b.engine.AddFlow(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// flowsError is flow files that did not load: where they came from and every problem in them,
// which serve lists one per line before it stops.
type flowsError struct {
	from     string
	problems flows.Diagnostics
}

func (e *flowsError) Error() string {
	return fmt.Sprintf("load flows from %s: %d problem(s) in the flow files", e.from, len(e.problems))
}

func (e *flowsError) Unwrap() error { return e.problems }
