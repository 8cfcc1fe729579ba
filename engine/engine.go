// Package engine runs flows: it starts executions, advances them with interactions and callbacks, and
// keeps every execution as one Redis record whose revision each transition compare-and-sets, so any
// instance can continue any execution and two racing requests cannot both advance it. It knows nothing
// of HTTP.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/internal/optdefault"
	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/store"
)

// Options configure an Engine.
type Options struct {
	// Store holds executions and flow sources. Required.
	Store *store.Store
	// Registry resolves action kinds, to load older flow versions that executions are pinned to.
	// Required.
	Registry *actions.Registry
	// Limits bound the cost of flow expressions (for older versions loaded from Redis).
	Limits flows.Limits
	Clock  clock.Clock
	Logger *slog.Logger
	// DefaultTTL is an execution's time to live when its flow sets none (0 means the default,
	// 30m). The durations and limits below must not be negative; 0 means their default.
	DefaultTTL time.Duration
	// Retention is how long an expired execution stays to answer "expired" rather than "not found"
	// (default 1h).
	Retention time.Duration
	// FinishedRetention is how long a completed or failed execution and its events stay in Redis
	// once it finishes, for a client or a browser to read its outcome; a flow's finishedRetention
	// overrides it. Default 10m: as long as a one-time link lives, and no finished work is kept
	// for an hour that nobody reads. Its one-time link is deleted when it finishes.
	FinishedRetention time.Duration
	// MaxEvents caps each execution's event log (default 200).
	MaxEvents int
	// MaxStepsPerRequest stops a runaway execution (default 100).
	MaxStepsPerRequest int
	// StepTimeout is the timeout of steps that set none (default 30s).
	StepTimeout time.Duration
	// RedirectAllowed vets the redirect URL of an end step; a refused URL is dropped, and the
	// refusal recorded as an event and logged as a warning. Nil refuses every redirect: a host that
	// serves flows over HTTP passes server.RedirectPolicy(publicURL, allowed), as `outflow serve`
	// does, so flows may send the browser to its own origin and the origins it allows.
	RedirectAllowed func(url string) bool
	// Observer receives metrics callbacks; nil means none.
	Observer Observer
	// PublishEvents publishes execution.completed and execution.failed on the event stream
	// (package events) and keeps waiting executions on an expiry schedule, from which the
	// worker publishes execution.expired (see ExpireDue). It costs one Redis round trip more
	// when an execution starts waiting or finishes. Off by default; `outflow serve` turns it on.
	PublishEvents bool
	// TracerProvider, when set, makes each transition a span ("flow.transition": flow id and
	// version, execution id and status) with a child span per step run ("flow.step <id>": kind
	// and outcome), never a flow value. Nil: no spans.
	TracerProvider trace.TracerProvider
}

// Observer is told about executions and steps, for metrics. Implementations must be fast and safe for
// concurrent use.
type Observer interface {
	// ExecutionStarted: an execution was created.
	ExecutionStarted(flowID string)
	// StepFinished: a run of a step's action ended with result "completed" (an outcome, or the
	// end of the flow), "paused" (a screen or a redirect), "retried" or "failed"; d is how long
	// the action ran.
	StepFinished(flowID, kind, result string, d time.Duration)
	// ExecutionFinished: an execution completed or failed.
	ExecutionFinished(flowID string, status Status)
}

// Engine runs flows. It is safe for concurrent use.
type Engine struct {
	opts   Options
	store  *store.Store
	clock  clock.Clock
	log    *slog.Logger
	loader *flows.Loader
	tracer trace.Tracer // nil: tracing off

	mu       sync.RWMutex
	current  map[string]*flows.Flow // flow id → current version
	versions map[string]*flows.Flow // flow hash → any version seen
}

// New returns an engine, or an error naming the first option it cannot run with: a required one
// missing, or a negative duration or limit (0 means the default).
func New(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("engine: Options.Store is required")
	}
	if opts.Registry == nil {
		return nil, errors.New("engine: Options.Registry is required")
	}
	for _, f := range []struct {
		name string
		fill func() string
	}{
		{"DefaultTTL", func() string { return optdefault.Fill(&opts.DefaultTTL, 30*time.Minute) }},
		{"Retention", func() string { return optdefault.Fill(&opts.Retention, time.Hour) }},
		{"FinishedRetention", func() string { return optdefault.Fill(&opts.FinishedRetention, 10*time.Minute) }},
		{"StepTimeout", func() string { return optdefault.Fill(&opts.StepTimeout, 30*time.Second) }},
		{"MaxEvents", func() string { return optdefault.Fill(&opts.MaxEvents, 200) }},
		{"MaxStepsPerRequest", func() string { return optdefault.Fill(&opts.MaxStepsPerRequest, 100) }},
	} {
		if problem := f.fill(); problem != "" {
			return nil, fmt.Errorf("engine: Options.%s %s", f.name, problem)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Engine{
		opts:     opts,
		store:    opts.Store,
		clock:    clock.Or(opts.Clock),
		log:      log,
		loader:   &flows.Loader{Registry: opts.Registry, Limits: opts.Limits},
		tracer:   tracing.Tracer(opts.TracerProvider),
		current:  map[string]*flows.Flow{},
		versions: map[string]*flows.Flow{},
	}, nil
}

// AddFlow makes f the current version of its flow id and keeps its source in Redis, so executions
// pinned to it can continue on any instance after the flow changes. Executions already running on
// an older version keep running on it.
func (e *Engine) AddFlow(ctx context.Context, f *flows.Flow) error {
	if err := e.store.PutFlowSource(ctx, f.ID, f.Hash, f.Source); err != nil {
		return fmt.Errorf("add flow %q: %w", f.ID, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.current[f.ID] = f
	e.versions[f.Hash] = f
	return nil
}

// Flow returns the current version of a flow.
func (e *Engine) Flow(id string) (*flows.Flow, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	f, ok := e.current[id]
	return f, ok
}

// Flows returns the current version of every flow, sorted by id.
func (e *Engine) Flows() []*flows.Flow {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]*flows.Flow, 0, len(e.current))
	for _, f := range e.current {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// version returns the flow version an execution is pinned to, loading it from Redis when this
// instance has not seen it.
func (e *Engine) version(ctx context.Context, flowID, hash string) (*flows.Flow, error) {
	e.mu.RLock()
	f, ok := e.versions[hash]
	e.mu.RUnlock()
	if ok {
		return f, nil
	}
	src, err := e.store.GetFlowSource(ctx, flowID, hash)
	if err != nil {
		return nil, fmt.Errorf("load version %s of flow %q: %w", hash, flowID, err)
	}
	f, err = e.loader.Load(flowID+"@"+hash, src)
	if err != nil {
		return nil, fmt.Errorf("load version %s of flow %q: %w", hash, flowID, err)
	}
	e.mu.Lock()
	e.versions[hash] = f
	e.mu.Unlock()
	return f, nil
}
