// Package worker is Outflow's background side: it hands every lifecycle event (package events)
// to the host's OnEvent callbacks and to webhook endpoints, delivers webhooks, refreshes OAuth
// connections before a fetch would have to (keep-alive), re-checks stored API keys, times out
// the waits of flow executions, and publishes execution.expired. Any number of workers may run
// on one Redis (or Redis Cluster): events are read with a consumer group, deliveries from a
// stream with a consumer group and XAUTOCLAIM, refreshes, re-checks and timeouts from leased
// schedules, so each is handled once (at least once for deliveries and callbacks) across all
// of them.
package worker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/internal/optdefault"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
)

// Handler is a host's callback for events. An error is logged; the event is not handed again.
type Handler func(ctx context.Context, ev events.Event) error

// Config wires a Worker. Store and Apps are required; each other part turns on its job. The
// durations and numbers below must not be negative; 0 means their default.
type Config struct {
	Store *store.Store
	Apps  *apps.Apps
	// Vault turns on the keep-alive refresh of OAuth connections.
	Vault *oauth.Vault
	// APIKeys turns on the re-checks of stored keys (for apps with apiKey.recheckEvery).
	APIKeys *apikeys.APIKeys
	// Webhooks turns on webhook deliveries.
	Webhooks *webhooks.Webhooks
	// Engine turns on execution.expired events and the timeouts of waits.
	Engine *engine.Engine
	// OnEvent are called for every event, once across all workers (at least once: a worker that
	// dies mid-call leaves the event to another).
	OnEvent []Handler
	// Name tells this worker apart in the consumer groups (default host name, process id and a
	// random suffix).
	Name string
	// Concurrency is how many deliveries one worker makes at once (default 64).
	Concurrency int
	// VisibilityTimeout is how long a delivery or event read by a worker that stopped answering
	// waits before another worker claims it (default 30s; above the 10s delivery timeout).
	VisibilityTimeout time.Duration
	// Poll is how often schedules are looked at (default 1s).
	Poll time.Duration
	// RefreshLead is how long before the fetch's own refresh margin the keep-alive refreshes a
	// token (default 1m), so that a fetch never waits for a refresh the worker could have done.
	RefreshLead time.Duration
	// Lease is how long a claimed refresh or re-check is hidden from other workers (default 1m).
	Lease time.Duration
	// RecheckRate caps API-key re-checks per app per second across all workers (default 5).
	RecheckRate int
	Logger      *slog.Logger
	Clock       clock.Clock
}

// Worker runs the background jobs. Run it with Run.
type Worker struct {
	cfg   Config
	log   *slog.Logger
	clock clock.Clock
	keys  store.Keys

	refresh *store.Schedule
	recheck *store.Schedule
}

// ErrInvalidConfig is wrapped by New's error.
var ErrInvalidConfig = errors.New("worker: invalid config")

// New returns a worker for cfg, or an error wrapping ErrInvalidConfig that names the first field
// it cannot run with.
func New(cfg Config) (*Worker, error) {
	if cfg.Store == nil || cfg.Apps == nil {
		return nil, errors.Join(ErrInvalidConfig, errors.New("worker: Store and Apps are required"))
	}
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = host + "-" + strings.ToLower(rand.Text()[:8])
	}
	for _, f := range []struct {
		name string
		fill func() string
	}{
		{"VisibilityTimeout", func() string { return optdefault.Fill(&cfg.VisibilityTimeout, 30*time.Second) }},
		{"Poll", func() string { return optdefault.Fill(&cfg.Poll, time.Second) }},
		{"RefreshLead", func() string { return optdefault.Fill(&cfg.RefreshLead, time.Minute) }},
		{"Lease", func() string { return optdefault.Fill(&cfg.Lease, time.Minute) }},
		{"Concurrency", func() string { return optdefault.Fill(&cfg.Concurrency, 64) }},
		{"RecheckRate", func() string { return optdefault.Fill(&cfg.RecheckRate, 5) }},
	} {
		if problem := f.fill(); problem != "" {
			return nil, errors.Join(ErrInvalidConfig, fmt.Errorf("worker: Config.%s %s", f.name, problem))
		}
	}
	w := &Worker{cfg: cfg, log: cfg.Logger, clock: clock.Or(cfg.Clock), keys: cfg.Store.Keys(),
		refresh: cfg.Store.Schedule("refresh"), recheck: cfg.Store.Schedule("recheck")}
	if w.log == nil {
		w.log = slog.Default()
	}
	w.log = w.log.With("worker", cfg.Name)
	return w, nil
}

// Name is the worker's name in the consumer groups.
func (w *Worker) Name() string { return w.cfg.Name }

// Run runs every job the config turns on until ctx ends, then finishes the work in hand, gives
// back every lease it holds and returns nil. It returns an error only when it cannot start; told
// to stop while it starts, it returns nil.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.ensureGroups(ctx); err != nil {
		if ctx.Err() != nil {
			w.log.InfoContext(ctx, "worker stopped before it started")
			return nil
		}
		return err
	}
	w.log.InfoContext(ctx, "worker started")
	var wg sync.WaitGroup
	loops := []func(context.Context){w.eventLoop}
	if w.cfg.Webhooks != nil {
		loops = append(loops, w.deliveryLoop, w.retryLoop)
	}
	if w.cfg.Vault != nil {
		loops = append(loops, w.refreshLoop)
	}
	if w.cfg.APIKeys != nil {
		loops = append(loops, w.recheckLoop)
	}
	if w.cfg.Engine != nil {
		loops = append(loops, w.expiryLoop, w.timeoutLoop)
	}
	for _, loop := range loops {
		wg.Go(func() { loop(ctx) })
	}
	wg.Wait()
	w.log.Info("worker stopped")
	return nil
}

// tick calls fn every Poll until ctx ends.
func (w *Worker) tick(ctx context.Context, fn func(context.Context)) {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Worker) now() time.Time { return w.clock.Now() }
