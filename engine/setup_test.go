package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/store"
)

var epoch = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// bundle is what a test needs to run flows.
type bundle struct {
	store  *store.Store
	reg    *actions.Registry
	loader *flows.Loader
	clock  *clock.Fake
	engine *engine.Engine
}

// setup returns an engine on s with the core kinds plus any extra kinds.
func setup(t testing.TB, s *store.Store, extra ...actions.Kind) *bundle {
	t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(extra...); err != nil {
		t.Fatal(err)
	}
	b := &bundle{store: s, reg: reg, loader: flows.NewLoader(reg), clock: clock.NewFake(epoch)}
	b.engine = b.newEngine(t)
	return b
}

// newEngine returns another engine instance on the same store and clock, as a second server would be.
func (b *bundle) newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Options{Store: b.store, Registry: b.reg, Clock: b.clock})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// add loads a flow from source and makes it current on e.
func (b *bundle) add(t testing.TB, e *engine.Engine, name, src string) *flows.Flow {
	t.Helper()
	f, err := b.loader.Load(name, []byte(src))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	if err := e.AddFlow(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

func mustStart(t testing.TB, e *engine.Engine, flowID string, input map[string]any) *engine.Response {
	t.Helper()
	r, err := e.Start(context.Background(), flowID, engine.StartRequest{Input: input, Subject: actions.Subject{UserID: "u1"}})
	if err != nil {
		t.Fatalf("start %s: %v", flowID, err)
	}
	return r
}

func mustNext(t testing.TB, e *engine.Engine, r *engine.Response, interaction string, input map[string]any) *engine.Response {
	t.Helper()
	next, err := e.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: r.StepID, Interaction: interaction, Input: input, Nonce: r.Nonce})
	if err != nil {
		t.Fatalf("next %s at %s: %v", interaction, r.StepID, err)
	}
	return next
}

func wantScreen(t testing.TB, r *engine.Response, step string) {
	t.Helper()
	if r.Status != engine.StatusWaiting || r.Action != engine.ActionScreen || r.StepID != step || r.Screen == nil {
		t.Fatalf("got status %s action %s step %s, want a screen at %s (error %+v)", r.Status, r.Action, r.StepID, step, r.Error)
	}
}

func isConflict(err error) bool { return errors.Is(err, engine.ErrConflict) }
