package engine_test

import (
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store"
)

// A negative duration or limit is refused with an error that names the option, instead of
// being replaced by the default; 0 still means the default.
func TestNewRefusesNegativeOptions(t *testing.T) {
	base := engine.Options{Store: &store.Store{}, Registry: actions.NewRegistry()}
	for _, tc := range []struct {
		name string
		set  func(*engine.Options)
		want string
	}{
		{"DefaultTTL", func(o *engine.Options) { o.DefaultTTL = -time.Hour },
			"engine: Options.DefaultTTL is -1h0m0s; use a positive duration, or 0 for the default (30m0s)"},
		{"Retention", func(o *engine.Options) { o.Retention = -time.Second },
			"engine: Options.Retention is -1s; use a positive duration, or 0 for the default (1h0m0s)"},
		{"FinishedRetention", func(o *engine.Options) { o.FinishedRetention = -time.Minute },
			"engine: Options.FinishedRetention is -1m0s; use a positive duration, or 0 for the default (10m0s)"},
		{"StepTimeout", func(o *engine.Options) { o.StepTimeout = -1 },
			"engine: Options.StepTimeout is -1ns; use a positive duration, or 0 for the default (30s)"},
		{"MaxEvents", func(o *engine.Options) { o.MaxEvents = -5 },
			"engine: Options.MaxEvents is -5; use a positive number, or 0 for the default (200)"},
		{"MaxStepsPerRequest", func(o *engine.Options) { o.MaxStepsPerRequest = -1 },
			"engine: Options.MaxStepsPerRequest is -1; use a positive number, or 0 for the default (100)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := base
			tc.set(&opts)
			e, err := engine.New(opts)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("New = %v, %v; want error %q", e, err, tc.want)
			}
		})
	}
	if _, err := engine.New(base); err != nil {
		t.Fatalf("zero options (the defaults): %v", err)
	}
}
