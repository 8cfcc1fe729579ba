package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestABoundExecutionOnlyAdvancesInItsBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	ctx := context.Background()
	r := mustStart(t, b.engine, "choose-plan", nil)

	bound, err := b.engine.Bind(ctx, r.ExecutionID, "browser-a")
	if err != nil || bound.Nonce != r.Nonce {
		t.Fatalf("bind: %v %+v", err, bound)
	}
	if _, err := b.engine.Bind(ctx, r.ExecutionID, "browser-a"); err != nil {
		t.Fatalf("binding again to the same browser: %v", err)
	}
	if _, err := b.engine.Bind(ctx, r.ExecutionID, "browser-b"); !errors.Is(err, engine.ErrWrongBrowser) {
		t.Fatalf("binding to another browser: %v", err)
	}
	req := engine.NextRequest{StepID: "pick", Interaction: "cancel", Nonce: bound.Nonce}
	for _, other := range []string{"", "browser-b"} {
		req.Binding = other
		if _, err := b.engine.Next(ctx, r.ExecutionID, req); !errors.Is(err, engine.ErrWrongBrowser) {
			t.Fatalf("next from browser %q: %v, want ErrWrongBrowser", other, err)
		}
	}
	if _, err := b.engine.BindingOf(ctx, r.ExecutionID, "browser-b"); !errors.Is(err, engine.ErrWrongBrowser) {
		t.Fatalf("BindingOf another browser: %v", err)
	}
	req.Binding = "browser-a"
	done, err := b.engine.Next(ctx, r.ExecutionID, req)
	if err != nil || done.Status != engine.StatusCompleted {
		t.Fatalf("next from the bound browser: %v %+v", err, done)
	}
}

func TestADeferredExecutionRunsWhenItsBrowserBindsIt(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	ctx := context.Background()
	r, err := b.engine.Start(ctx, "choose-plan", engine.StartRequest{Subject: actions.Subject{UserID: "alice"}, Deferred: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Pending || r.Screen != nil || r.Nonce != "" || r.Action != engine.ActionRedirect {
		t.Fatalf("a deferred start ran steps or gave a nonce: %+v", r)
	}
	evs, _ := b.engine.Events(ctx, r.ExecutionID)
	for _, ev := range evs {
		if ev.Type == engine.EventStepEntered {
			t.Fatalf("a step ran before the browser came: %+v", ev)
		}
	}
	if _, err := b.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: "pick", Interaction: "cancel", Nonce: ""}); !errors.Is(err, engine.ErrConflict) {
		t.Fatalf("next on a pending execution: %v", err)
	}
	bound, err := b.engine.Bind(ctx, r.ExecutionID, "browser-a")
	if err != nil {
		t.Fatal(err)
	}
	if bound.Pending || bound.StepID != "pick" || bound.Screen == nil || bound.Nonce == "" {
		t.Fatalf("after binding: %+v", bound)
	}
	done, err := b.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: "pick", Interaction: "cancel", Nonce: bound.Nonce, Binding: "browser-a"})
	if err != nil || done.Status != engine.StatusCompleted {
		t.Fatalf("next: %v %+v", err, done)
	}
}

// A callback resumes only the pause it names, and only from the browser the execution is bound to.
func TestResumeCallbackChecksThePauseItNamesAndTheBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	ctx := context.Background()
	r := mustStart(t, b.engine, "choose-plan", nil)
	bound, err := b.engine.Bind(ctx, r.ExecutionID, "browser-a")
	if err != nil {
		t.Fatal(err)
	}
	req := engine.CallbackRequest{ExecutionID: r.ExecutionID, StepID: "pick", Nonce: bound.Nonce, Binding: "browser-b",
		Input: map[string]any{"outcome": "connected"}}
	if _, err := b.engine.ResumeCallback(ctx, req); !errors.Is(err, engine.ErrWrongBrowser) {
		t.Fatalf("a callback from another browser: %v, want ErrWrongBrowser", err)
	}
	req.Binding, req.StepID = "browser-a", "connect"
	if _, err := b.engine.ResumeCallback(ctx, req); !errors.Is(err, engine.ErrConflict) || !strings.Contains(err.Error(), `at step "pick", not "connect"`) {
		t.Fatalf("a callback for another step: %v, want ErrConflict naming both steps", err)
	}
}
