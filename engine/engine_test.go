package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func examplePlanFlow(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../examples/flows/choose-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTwoScreensAndABranchRunToCompletion(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := setup(t, s)
		b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))

		r := mustStart(t, b.engine, "choose-plan", map[string]any{"greeting": "Hi"})
		wantScreen(t, r, "pick")
		if r.Screen.Title != "Hi! Which plan suits you?" {
			t.Errorf("title = %q", r.Screen.Title)
		}
		// A bad email is refused next to its field and the typed plan is kept.
		r2 := mustNext(t, b.engine, r, "continue", map[string]any{"plan": "pro", "email": "nope"})
		wantScreen(t, r2, "pick")
		if len(r2.Screen.Messages) != 1 || r2.Screen.Messages[0].Field != "email" {
			t.Fatalf("messages = %+v, want one on email", r2.Screen.Messages)
		}
		if r2.Nonce == r.Nonce {
			t.Fatal("a re-shown screen must carry a new nonce")
		}
		r3 := mustNext(t, b.engine, r2, "continue", map[string]any{"plan": "pro", "email": "ada@example.com"})
		wantScreen(t, r3, "team")
		r4 := mustNext(t, b.engine, r3, "continue", map[string]any{"company": "Acme", "seats": "12"})
		if r4.Status != engine.StatusCompleted || r4.Action != engine.ActionDone {
			t.Fatalf("status %s action %s error %+v", r4.Status, r4.Action, r4.Error)
		}
		want := map[string]any{"plan": "pro", "email": "ada@example.com", "company": "Acme", "seats": float64(12)}
		for k, v := range want {
			if r4.Output[k] != v {
				t.Errorf("output[%s] = %#v, want %#v", k, r4.Output[k], v)
			}
		}
		if r4.Screen == nil || !strings.Contains(r4.Screen.Text, "ada@example.com") {
			t.Errorf("finished page = %+v", r4.Screen)
		}
	})
}

func TestFreePlanSkipsTheSecondScreen(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, b.engine, "choose-plan", nil)
	r = mustNext(t, b.engine, r, "continue", map[string]any{"plan": "free", "email": "a@b.co"})
	if r.Status != engine.StatusCompleted || r.Output["plan"] != "free" || r.Output["company"] != "" {
		t.Fatalf("got %s %+v", r.Status, r.Output)
	}
	// The branch is explained in the event log.
	evs, err := b.engine.Events(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ev := range evs {
		if ev.Type == engine.EventBranch && ev.StepID == "pick" {
			found = true
			if ev.Data["goto"] != "done" || ev.Data["via"] != "default" {
				t.Errorf("branch = %+v", ev.Data)
			}
			checks, _ := ev.Data["checks"].([]any)
			if len(checks) != 1 {
				t.Fatalf("checks = %+v", ev.Data["checks"])
			}
			c := checks[0].(map[string]any)
			if c["when"] != `form.plan == "pro"` || c["result"] != false || c["values"].(map[string]any)["form.plan"] != "free" {
				t.Errorf("check = %+v", c)
			}
		}
	}
	if !found {
		t.Fatal("no branch event for step pick")
	}
}

func TestCancelButtonSkipsValidation(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustNext(t, b.engine, mustStart(t, b.engine, "choose-plan", nil), "cancel", nil)
	if r.Status != engine.StatusCompleted || r.Output["cancelled"] != true {
		t.Fatalf("got %s %+v", r.Status, r.Output)
	}
}

func TestReplayedNonceIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, b.engine, "choose-plan", nil)
	in := map[string]any{"plan": "pro", "email": "a@b.co"}
	r2 := mustNext(t, b.engine, r, "continue", in)
	_, err := b.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: "pick", Interaction: "continue", Input: in, Nonce: r.Nonce})
	if !isConflict(err) {
		t.Fatalf("replay: err = %v, want conflict", err)
	}
	got, err := b.engine.Get(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	if got.StepID != r2.StepID || got.Status != engine.StatusWaiting {
		t.Fatalf("execution moved: %+v", got)
	}
	// A forged nonce and a wrong step are refused too.
	for _, req := range []engine.NextRequest{
		{StepID: "team", Interaction: "continue", Nonce: "forged"},
		{StepID: "pick", Interaction: "continue", Nonce: r2.Nonce},
	} {
		if _, err := b.engine.Next(context.Background(), r.ExecutionID, req); !isConflict(err) {
			t.Errorf("%+v: err = %v, want conflict", req, err)
		}
	}
	// The stale-step request released its claim: the right request still works.
	mustNext(t, b.engine, r2, "continue", map[string]any{"company": "Acme", "seats": 3})
}

func TestConcurrentNextWithOneNonceAdvancesOnce(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := setup(t, s)
		b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
		r := mustStart(t, b.engine, "choose-plan", nil)
		const n = 50
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, conflicts := 0, 0
		var other []error
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := b.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{
					StepID: "pick", Interaction: "continue", Nonce: r.Nonce,
					Input: map[string]any{"plan": "pro", "email": "a@b.co"},
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case isConflict(err):
					conflicts++
				default:
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok != 1 || conflicts != n-1 || len(other) > 0 {
			t.Fatalf("ok=%d conflicts=%d other=%v; want exactly one success and %d conflicts", ok, conflicts, other, n-1)
		}
		evs, err := b.engine.Events(context.Background(), r.ExecutionID)
		if err != nil {
			t.Fatal(err)
		}
		completed := 0
		for _, ev := range evs {
			if ev.Type == engine.EventStepCompleted && ev.StepID == "pick" {
				completed++
			}
		}
		if completed != 1 {
			t.Fatalf("step pick completed %d times in the event log, want 1", completed)
		}
	})
}

func TestExpiredExecutionAnswersExpiredWithWhatToRestartWith(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, b.engine, "choose-plan", map[string]any{"greeting": "Hello"})
	b.clock.Advance(31 * time.Minute)
	_, err := b.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: "pick", Interaction: "continue", Nonce: r.Nonce, Input: map[string]any{"plan": "free", "email": "a@b.co"}})
	var ee *engine.ExpiredError
	if !errors.As(err, &ee) || !errors.Is(err, engine.ErrExpired) {
		t.Fatalf("err = %v, want ExpiredError", err)
	}
	if ee.FlowID != "choose-plan" || ee.Input["greeting"] != "Hello" {
		t.Fatalf("expired error = %+v", ee)
	}
	got, err := b.engine.Get(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != engine.StatusExpired || got.Error == nil || got.Error.Code != "expired" {
		t.Fatalf("get = %+v", got)
	}
}

func TestUnknownFlowExecutionAndBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	ctx := context.Background()
	if _, err := b.engine.Start(ctx, "nope", engine.StartRequest{}); !errors.Is(err, engine.ErrFlowNotFound) {
		t.Errorf("unknown flow: %v", err)
	}
	if _, err := b.engine.Next(ctx, "nope", engine.NextRequest{Interaction: "x", Nonce: "y"}); !errors.Is(err, engine.ErrExecutionNotFound) {
		t.Errorf("unknown execution: %v", err)
	}
	_, err := b.engine.Start(ctx, "choose-plan", engine.StartRequest{Input: map[string]any{"greeting": 3, "colour": "red"}})
	var ie *outbound.InvalidError
	if !errors.As(err, &ie) || len(ie.Fields) != 2 || ie.Messages()["input.colour"] == "" || ie.Messages()["input.greeting"] == "" {
		t.Fatalf("bad input: %v", err)
	}
	r := mustStart(t, b.engine, "choose-plan", nil)
	_, err = b.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: "pick", Interaction: "launch", Nonce: r.Nonce})
	if !errors.As(err, &ie) || ie.Messages()["interaction"] == "" {
		t.Fatalf("unknown button: %v", err)
	}
	// The refused request changed nothing and released its claim.
	mustNext(t, b.engine, r, "cancel", nil)
}

func TestRedisDownIsUnavailableNotAPanic(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	b := setup(t, s)
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, b.engine, "choose-plan", nil)
	_ = s.Close()
	_, err := b.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: "pick", Interaction: "cancel", Nonce: r.Nonce})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestResponsesAreJSONShaped(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, b.engine, "choose-plan", nil)
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, k := range []string{"executionId", "flowId", "stepId", "status", "action", "screen", "nonce"} {
		if _, ok := m[k]; !ok {
			t.Errorf("response has no %q: %s", k, raw)
		}
	}
	screen := m["screen"].(map[string]any)
	field := screen["fields"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "type", "label", "required"} {
		if _, ok := field[k]; !ok {
			t.Errorf("field has no %q", k)
		}
	}
}
