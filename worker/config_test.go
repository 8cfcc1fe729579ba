package worker_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

// A negative duration or number is refused with an error that names the field, instead of being
// replaced by the default; 0 still means the default.
func TestNewRefusesNegativeConfig(t *testing.T) {
	st := storetest.New(t)
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	base := worker.Config{Store: st, Apps: mustApps(t, st, ring), Logger: quiet()}
	for _, tc := range []struct {
		name string
		set  func(*worker.Config)
		want string
	}{
		{"VisibilityTimeout", func(c *worker.Config) { c.VisibilityTimeout = -time.Second },
			"worker: Config.VisibilityTimeout is -1s; use a positive duration, or 0 for the default (30s)"},
		{"Poll", func(c *worker.Config) { c.Poll = -1 },
			"worker: Config.Poll is -1ns; use a positive duration, or 0 for the default (1s)"},
		{"RefreshLead", func(c *worker.Config) { c.RefreshLead = -time.Minute },
			"worker: Config.RefreshLead is -1m0s; use a positive duration, or 0 for the default (1m0s)"},
		{"Lease", func(c *worker.Config) { c.Lease = -time.Minute },
			"worker: Config.Lease is -1m0s; use a positive duration, or 0 for the default (1m0s)"},
		{"Concurrency", func(c *worker.Config) { c.Concurrency = -1 },
			"worker: Config.Concurrency is -1; use a positive number, or 0 for the default (64)"},
		{"RecheckRate", func(c *worker.Config) { c.RecheckRate = -5 },
			"worker: Config.RecheckRate is -5; use a positive number, or 0 for the default (5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.set(&cfg)
			w, err := worker.New(cfg)
			if err == nil || !errors.Is(err, worker.ErrInvalidConfig) || !slices.Contains(strings.Split(err.Error(), "\n"), tc.want) {
				t.Fatalf("New = %v, %v; want an error wrapping ErrInvalidConfig with %q", w, err, tc.want)
			}
		})
	}
	if _, err := worker.New(base); err != nil {
		t.Fatalf("zero config (the defaults): %v", err)
	}
}
