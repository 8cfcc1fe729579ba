package explain_test

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
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

// bundle is an engine with the core kinds plus extra ones, on a fake clock.
type bundle struct {
	loader *flows.Loader
	clock  *clock.Fake
	engine *engine.Engine
}

func setup(t *testing.T, s *store.Store, extra ...actions.Kind) *bundle {
	t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(extra...); err != nil {
		t.Fatal(err)
	}
	b := &bundle{loader: flows.NewLoader(reg), clock: clock.NewFake(epoch)}
	e, err := engine.New(engine.Options{Store: s, Registry: reg, Clock: b.clock})
	if err != nil {
		t.Fatal(err)
	}
	b.engine = e
	return b
}

func (b *bundle) add(t *testing.T, e *engine.Engine, name, src string) {
	t.Helper()
	f, err := b.loader.Load(name, []byte(src))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	if err := e.AddFlow(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

// flaky fails with a retryable error until it has been called `failures` times.
func flaky(failures int32, calls *atomic.Int32) actions.Kind {
	return actions.Define(actions.Kind{Name: "test.flaky", Outputs: actions.Object(map[string]actions.Type{"calls": actions.Number()})},
		func(ctx context.Context, call *actions.Call, _ *struct{}) (actions.Result, error) {
			n := calls.Add(1)
			if n <= failures {
				return actions.Result{}, actions.Temporary("provider_down", "the provider is down", errors.New("503"))
			}
			return actions.Done("", map[string]any{"calls": float64(n)}), nil
		})
}

func examplePlanFlow(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/flows/choose-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustStart(t *testing.T, e *engine.Engine, flowID string, input map[string]any) *engine.Response {
	t.Helper()
	r, err := e.Start(context.Background(), flowID, engine.StartRequest{Input: input, Subject: actions.Subject{UserID: "u1"}})
	if err != nil {
		t.Fatalf("start %s: %v", flowID, err)
	}
	return r
}

func mustNext(t *testing.T, e *engine.Engine, r *engine.Response, interaction string, input map[string]any) *engine.Response {
	t.Helper()
	next, err := e.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: r.StepID, Interaction: interaction, Input: input, Nonce: r.Nonce})
	if err != nil {
		t.Fatalf("next %s at %s: %v", interaction, r.StepID, err)
	}
	return next
}

func wantScreen(t *testing.T, r *engine.Response, step string) {
	t.Helper()
	if r.Status != engine.StatusWaiting || r.Action != engine.ActionScreen || r.StepID != step || r.Screen == nil {
		t.Fatalf("got status %s action %s step %s, want a screen at %s (error %+v)", r.Status, r.Action, r.StepID, step, r.Error)
	}
}
