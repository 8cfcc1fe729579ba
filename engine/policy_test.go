package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store/storetest"
)

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

// slow waits for its context to end.
var slow = actions.Define(actions.Kind{Name: "test.slow"}, func(ctx context.Context, _ *actions.Call, _ *struct{}) (actions.Result, error) {
	<-ctx.Done()
	return actions.Result{}, ctx.Err()
})

var panicky = actions.Define(actions.Kind{Name: "test.panic"}, func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
	panic("boom")
})

const retryFlow = `
id: retrying
steps:
  call:
    action: test.flaky
    retry: {attempts: 3, backoff: 1s, maxDelay: 10s, jitter: 0}
    catch:
      provider_down: sorry
    next: done
  done:
    end:
      output: {calls: "${{ steps.call.output.calls }}"}
  sorry:
    end:
      output: {failed: true}
`

func TestRetryWithBackoffThenSuccess(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	b := setup(t, storetest.New(t), flaky(2, &calls), slow, panicky)
	b.add(t, b.engine, "retry.yaml", retryFlow)
	r := mustStart(t, b.engine, "retrying", nil)
	if r.Status != engine.StatusCompleted || r.Output["calls"] != float64(3) {
		t.Fatalf("got %s %+v %+v", r.Status, r.Output, r.Error)
	}
	sleeps := b.clock.Sleeps()
	if len(sleeps) != 2 || sleeps[0] != time.Second || sleeps[1] != 2*time.Second {
		t.Fatalf("backoff sleeps = %v, want [1s 2s]", sleeps)
	}
	evs, _ := b.engine.Events(context.Background(), r.ExecutionID)
	retried := 0
	for _, ev := range evs {
		if ev.Type == engine.EventStepRetried {
			retried++
		}
	}
	if retried != 2 {
		t.Fatalf("%d retry events, want 2", retried)
	}
}

func TestRetriesExhaustedAreCaught(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	b := setup(t, storetest.New(t), flaky(10, &calls), slow, panicky)
	b.add(t, b.engine, "retry.yaml", retryFlow)
	r := mustStart(t, b.engine, "retrying", nil)
	if r.Status != engine.StatusCompleted || r.Output["failed"] != true || calls.Load() != 3 {
		t.Fatalf("got %s %+v after %d calls", r.Status, r.Output, calls.Load())
	}
}

func TestTimeoutIsCaughtAndUncaughtErrorsFailTheExecution(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	b := setup(t, storetest.New(t), flaky(0, &calls), slow, panicky)
	b.add(t, b.engine, "timeout.yaml", `
id: timing-out
steps:
  wait:
    action: test.slow
    timeout: 20ms
    catch:
      timeout: late
    next: done
  late:
    action: test.panic
    next: done
  done:
    end: {}
`)
	r := mustStart(t, b.engine, "timing-out", nil)
	if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != actions.CodeInternal {
		t.Fatalf("got %s %+v", r.Status, r.Error)
	}
	if strings.Contains(r.Error.Message, "boom") {
		t.Fatalf("a panic's text reached the client: %q", r.Error.Message)
	}
	if codes, _ := failures(t, b.engine, r.ExecutionID); strings.Join(codes, ",") != "timeout,internal" {
		t.Fatalf("failed steps = %v, want timeout then internal", codes)
	}
}

func TestFailStepRaisesItsCode(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "seats.yaml", `
id: seats
steps:
  team:
    screen:
      fields: [{name: seats, type: number}]
      buttons: [{id: continue}]
    next:
      - when: form.seats > 500
        goto: too_many
      - goto: done
  too_many:
    action: fail
    with:
      code: seats_out_of_range
      message: ${{ "A Pro plan has at most 500 seats; you asked for " + string(steps.team.output.seats) + "." }}
  done:
    end: {}
`)
	r := mustStart(t, b.engine, "seats", nil)
	r = mustNext(t, b.engine, r, "continue", map[string]any{"seats": 900})
	if r.Status != engine.StatusFailed || r.Error.Code != "seats_out_of_range" || !strings.Contains(r.Error.Message, "900") {
		t.Fatalf("got %s %+v", r.Status, r.Error)
	}
}

func TestSecretFieldsAreUsableOnceAndNeverRecorded(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	b := setup(t, s)
	b.add(t, b.engine, "secret.yaml", `
id: secret
steps:
  ask:
    screen:
      fields:
        - {name: user, label: User, required: true}
        - {name: password, label: Password, secret: true, required: true}
      buttons: [{id: go}]
    next:
      - when: len(form.password) >= 12
        goto: strong
      - goto: weak
  strong:
    end: {output: {strong: true, user: "${{ steps.ask.output.user }}"}}
  weak:
    end: {output: {strong: false}}
`)
	const secret = "correct-horse-battery-staple"
	r := mustStart(t, b.engine, "secret", nil)
	r = mustNext(t, b.engine, r, "go", map[string]any{"user": "ada", "password": secret})
	if r.Output["strong"] != true || r.Output["user"] != "ada" {
		t.Fatalf("output = %+v", r.Output)
	}
	evs, _ := b.engine.Events(context.Background(), r.ExecutionID)
	var sawRedacted bool
	for _, ev := range evs {
		if ev.Type == engine.EventBranch {
			checks, _ := ev.Data["checks"].([]any)
			for _, c := range checks {
				if v := c.(map[string]any)["values"].(map[string]any)["form.password"]; v == engine.Redacted {
					sawRedacted = true
				}
			}
		}
	}
	if !sawRedacted {
		t.Fatalf("the condition's read of form.password was not shown redacted: %+v", evs)
	}
	if hits := storetest.Find(t, s, secret); len(hits) > 0 {
		t.Fatalf("the secret is stored in Redis at %v", hits)
	}
}

// failures returns the code and message of every failed step of an execution, in order.
func failures(t *testing.T, e *engine.Engine, executionID string) (codes, messages []string) {
	t.Helper()
	evs, err := e.Events(context.Background(), executionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Type == engine.EventStepFailed {
			code, _ := ev.Data["code"].(string)
			msg, _ := ev.Data["message"].(string)
			codes, messages = append(codes, code), append(messages, msg)
		}
	}
	return codes, messages
}
