package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// counted shows a screen, and counts how often it is answered. With a gate, an answer signals
// answered (when not nil) and waits for the gate to open.
func counted(runs *atomic.Int32, gate <-chan struct{}, answered chan<- struct{}) actions.Kind {
	return actions.Define(actions.Kind{Name: "test.counted", Pauses: true}, func(ctx context.Context, call *actions.Call, _ *struct{}) (actions.Result, error) {
		if call.Resume == nil {
			return actions.ShowScreen(actions.Screen{ID: "s", Buttons: []actions.Button{{ID: "go", Label: "Go"}}}, nil), nil
		}
		runs.Add(1)
		if answered != nil {
			select {
			case answered <- struct{}{}:
			default:
			}
		}
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return actions.Result{}, ctx.Err()
			}
		}
		return actions.Done("", nil), nil
	})
}

// waitFor waits for a value on ch, failing the test after a generous deadline.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
		panic("unreachable")
	}
}

const countedFlow = `
id: counted
steps:
  ask:
    action: test.counted
    next: done
  done:
    end: {}
`

func TestOneNonceRunsTheActionOnce(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		var runs atomic.Int32
		b := setup(t, s, counted(&runs, nil, nil))
		b.add(t, b.engine, "counted.yaml", countedFlow)
		r := mustStart(t, b.engine, "counted", nil)
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = b.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: "ask", Interaction: "go", Nonce: r.Nonce})
			}()
		}
		wg.Wait()
		if n := runs.Load(); n != 1 {
			t.Fatalf("the action ran %d times for one pause, want 1", n)
		}
	})
}

// A request whose caller goes away mid-step still commits the step: it is neither lost nor run again.
func TestACallerGoingAwayDoesNotLoseTheStep(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	gate, answered := make(chan struct{}), make(chan struct{}, 1)
	b := setup(t, storetest.New(t), counted(&runs, gate, answered))
	b.add(t, b.engine, "counted.yaml", countedFlow)
	r := mustStart(t, b.engine, "counted", nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: "ask", Interaction: "go", Nonce: r.Nonce})
		done <- err
	}()
	waitFor(t, answered, "the action to run")
	cancel() // the client disconnects while the action runs
	close(gate)
	if err := waitFor(t, done, "the next to return"); err != nil {
		t.Fatalf("next: %v", err)
	}
	got, err := b.engine.Get(context.Background(), r.ExecutionID)
	if err != nil || got.Status != engine.StatusCompleted || runs.Load() != 1 {
		t.Fatalf("after the disconnect: %+v %v, runs %d", got, err, runs.Load())
	}
}

// Bind claims the execution like Next: a Bind during a Next neither clears its claim nor runs
// anything, and two Binds of a deferred execution run its first steps once.
func TestBindTakesTheClaim(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	gate, answered := make(chan struct{}), make(chan struct{}, 1)
	b := setup(t, storetest.New(t), counted(&runs, gate, answered))
	b.add(t, b.engine, "counted.yaml", countedFlow)
	ctx := context.Background()
	r := mustStart(t, b.engine, "counted", nil)
	done := make(chan error, 1)
	go func() {
		_, err := b.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: "ask", Interaction: "go", Nonce: r.Nonce})
		done <- err
	}()
	waitFor(t, answered, "the action to run")
	if _, err := b.engine.Bind(ctx, r.ExecutionID, "browser-a"); !errors.Is(err, engine.ErrConflict) {
		t.Fatalf("bind during a next: %v, want a conflict", err)
	}
	if _, err := b.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: "ask", Interaction: "go", Nonce: r.Nonce}); !errors.Is(err, engine.ErrConflict) {
		t.Fatalf("a second next during the first: %v", err)
	}
	close(gate)
	if err := waitFor(t, done, "the first next to return"); err != nil || runs.Load() != 1 {
		t.Fatalf("the first next: %v, runs %d", err, runs.Load())
	}

	deferred, err := b.engine.Start(ctx, "counted", engine.StartRequest{Subject: actions.Subject{UserID: "u"}, Deferred: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := b.engine.Bind(ctx, deferred.ExecutionID, "browser-b"); err == nil && r.Nonce != "" {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	evs, _ := b.engine.Events(ctx, deferred.ExecutionID)
	entered := 0
	for _, ev := range evs {
		if ev.Type == engine.EventStepEntered {
			entered++
		}
	}
	if entered != 1 || ok.Load() == 0 {
		t.Fatalf("the deferred execution's first step was entered %d times (binds that succeeded: %d)", entered, ok.Load())
	}
}

// An execution whose flow version is gone from Redis fails for good with a clear code instead of
// answering errors until it expires.
func TestAMissingFlowVersionFailsTheExecution(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	b := setup(t, s)
	f := b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, b.engine, "choose-plan", nil)
	if err := s.Delete(context.Background(), s.Keys().FlowSource(f.ID, f.Hash)); err != nil {
		t.Fatal(err)
	}
	fresh := b.newEngine(t) // never saw the version
	got, err := fresh.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: "pick", Interaction: "cancel", Nonce: r.Nonce})
	if err != nil || got.Status != engine.StatusFailed || got.Error == nil || got.Error.Code != "flow_version_unavailable" {
		t.Fatalf("got %+v %v", got, err)
	}
}

// stubborn ignores its context: it returns only once release is closed.
func stubborn(release <-chan struct{}) actions.Kind {
	return actions.Define(actions.Kind{Name: "test.stubborn"}, func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
		<-release
		return actions.Done("", nil), nil
	})
}

// An action that ignores its context is abandoned at the step's timeout.
func TestAnActionIgnoringItsTimeoutIsAbandoned(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // the abandoned action returns when the test is over
	b := setup(t, storetest.New(t), stubborn(release))
	b.add(t, b.engine, "stubborn.yaml", `
id: stubborn
steps:
  wait:
    action: test.stubborn
    timeout: 20ms
    catch: {timeout: late}
    next: done
  late:
    end: {output: {late: true}}
  done:
    end: {}
`)
	r := mustStart(t, b.engine, "stubborn", nil)
	if r.Status != engine.StatusCompleted || r.Output["late"] != true {
		t.Fatalf("got %s %+v %+v", r.Status, r.Output, r.Error)
	}
}

// Without a redirect policy, an end step's redirect URL is dropped, and the host is told why: an
// event and a warning that names the origin, never the query.
func TestRedirectsNeedAPolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, reason string
		policy       func(string) bool
	}{
		{"no policy", "redirects are off: the host set no redirect policy", nil},
		{"refused", "the redirect URL is not allowed", func(u string) bool { return strings.HasPrefix(u, "https://app.example/") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, storetest.New(t))
			var logs strings.Builder
			e, err := engine.New(engine.Options{Store: b.store, Registry: b.reg, Clock: b.clock, RedirectAllowed: tc.policy,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			b.add(t, e, "bye.yaml", `
id: bye
steps:
  done:
    end: {redirectUrl: "https://evil.example/x?code=secret-value"}
`)
			r := mustStart(t, e, "bye", nil)
			if r.Redirect != nil {
				t.Fatalf("redirect not allowed but kept: %+v", r.Redirect)
			}
			evs, err := e.Events(context.Background(), r.ExecutionID)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, ev := range evs {
				if p, _ := ev.Payload(); p != nil {
					if rr, ok := p.(engine.RedirectRefusedEvent); ok {
						got = rr.Reason
					}
				}
			}
			if got != tc.reason {
				t.Errorf("refusal event reason = %q, want %q", got, tc.reason)
			}
			out := logs.String()
			if !strings.Contains(out, "redirect dropped") || !strings.Contains(out, "origin=https://evil.example") ||
				!strings.Contains(out, tc.reason) || strings.Contains(out, "secret-value") {
				t.Errorf("log: %s", out)
			}
		})
	}
}

// echo copies whatever the form holds into its output, as a careless host action might.
var echo = actions.Define(actions.Kind{Name: "test.echo", Outputs: actions.Map(actions.Any())}, func(_ context.Context, call *actions.Call, _ *struct{}) (actions.Result, error) {
	form, _ := call.Scope["form"].(map[string]any)
	return actions.Done("", map[string]any{"copy": form["password"], "note": "it was " + form["password"].(string)}), nil
})

// A secret submitted on a screen is scrubbed from everything the engine writes, even when an action
// copies it into its output.
func TestSecretsAreScrubbedFromWhatIsWritten(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	b := setup(t, s, echo)
	b.add(t, b.engine, "leak.yaml", `
id: leak
steps:
  ask:
    screen:
      fields: [{name: password, label: Password, secret: true}]
      buttons: [{id: go}]
    next: copy
  copy:
    action: test.echo
    next: done
  done:
    end: {output: {done: true}}
`)
	const secret = "hunter2-correct-horse"
	r := mustStart(t, b.engine, "leak", nil)
	r = mustNext(t, b.engine, r, "go", map[string]any{"password": secret})
	if r.Status != engine.StatusCompleted {
		t.Fatalf("got %+v", r)
	}
	if hits := storetest.Find(t, s, secret); len(hits) > 0 {
		t.Fatalf("the secret reached Redis at %v", hits)
	}
	evs, _ := b.engine.Events(context.Background(), r.ExecutionID)
	for _, ev := range evs {
		if ev.Type == engine.EventStepCompleted && ev.StepID == "copy" {
			out := ev.Data["output"].(map[string]any)
			if out["copy"] != engine.Redacted || out["note"] != "it was "+engine.Redacted {
				t.Fatalf("the copied secret was not scrubbed: %+v", out)
			}
		}
	}
}

// An inline kind runs on the caller's goroutine: one that overruns its timeout still raises
// timeout (after it returns), and one that panics is still an internal error, not a crash.
var (
	slowInline = actions.Define(actions.Kind{Name: "test.slowinline", Inline: true}, func(ctx context.Context, _ *actions.Call, _ *struct{}) (actions.Result, error) {
		<-ctx.Done()
		return actions.Done("", nil), nil // succeeds anyway, past its timeout
	})
	panicInline = actions.Define(actions.Kind{Name: "test.panicinline", Inline: true}, func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
		panic("inline boom")
	})
)

func TestInlineKindsKeepTimeoutsAndContainPanics(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t), slowInline, panicInline)
	b.add(t, b.engine, "inline.yaml", `
id: inline
steps:
  wait:
    action: test.slowinline
    timeout: 10ms
    catch: {timeout: boom}
    next: done
  boom:
    action: test.panicinline
    next: done
  done:
    end: {}
`)
	r := mustStart(t, b.engine, "inline", nil)
	if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != actions.CodeInternal || strings.Contains(r.Error.Message, "boom") {
		t.Fatalf("got %s %+v", r.Status, r.Error)
	}
	if codes, _ := failures(t, b.engine, r.ExecutionID); strings.Join(codes, ",") != "timeout,internal" {
		t.Fatalf("failed steps = %v, want timeout then internal", codes)
	}
}

// A setting whose expression goes past its budget fails the step with code limit, saying where and
// which limit; one that fails otherwise with code expression, without quoting the values it read.
func TestExpressionFailuresHaveTheirOwnCodes(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "big.yaml", `
id: big
inputs:
  n: {type: number, default: 1000000000}
  word: {type: string, default: hunter2}
steps:
  grow:
    action: set
    with:
      s: ${{ repeat("x", int(input.n)) }}
    catch: {limit: parse}
    next: done
  parse:
    action: set
    with:
      v: ${{ fromJSON(input.word) }}
    next: done
  done:
    end: {}
`)
	r := mustStart(t, b.engine, "big", nil)
	if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != actions.CodeExpression || strings.Contains(r.Error.Message, "hunter2") {
		t.Fatalf("got %s %+v", r.Status, r.Error)
	}
	codes, messages := failures(t, b.engine, r.ExecutionID)
	var msgs []string
	for i := range codes {
		msgs = append(msgs, codes[i]+": "+messages[i])
	}
	want := []string{
		"limit: The expression at line 10, column 14 went past its limit (repeat: the value would be larger than 65536 bytes).",
		"expression: The expression at line 16, column 14 could not be evaluated.",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("failed steps:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

// A set value the checker types as a boolean is a bool at run time too: the nil that
// `c ? true : nil` gives is false, so a condition on it takes its default instead of failing.
func TestABooleanSetOutputIsNeverNil(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "maybe.yaml", `
id: maybe
inputs:
  flag: {type: bool, default: false}
steps:
  a:
    action: set
    with:
      v: '${{ input.flag ? true : nil }}'
    next:
      - when: steps.a.output.v
        goto: yes
      - goto: no
  "yes":
    end: {output: {took: "yes"}}
  "no":
    end: {output: {took: "no", v: "${{ steps.a.output.v }}"}}
`)
	r := mustStart(t, b.engine, "maybe", nil)
	if r.Status != engine.StatusCompleted || r.Output["took"] != "no" || r.Output["v"] != false {
		t.Fatalf("got %s %+v %+v", r.Status, r.Output, r.Error)
	}
}
