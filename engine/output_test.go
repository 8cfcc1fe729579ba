package engine_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store/storetest"
)

// An expression that gives a number that is not finite (a division by zero) fails its step with
// code expression, which a catch routes, instead of making the execution impossible to store.
func TestANonFiniteExpressionFailsItsStepWithCodeExpression(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "price.yaml", `
id: price
inputs:
  seats: {type: number, default: 0}
steps:
  share:
    action: set
    with:
      each: ${{ 100 / input.seats }}
    catch: {expression: fallback}
    next: done
  fallback:
    action: set
    with:
      each: 100
    next: done
  done:
    end: {output: {each: "${{ steps.share.output.each }}"}}
`)
	r := mustStart(t, b.engine, "price", nil)
	if r.Status != engine.StatusCompleted {
		t.Fatalf("got %s %+v, want the catch to route to fallback", r.Status, r.Error)
	}
	codes, messages := failures(t, b.engine, r.ExecutionID)
	if len(codes) != 1 || codes[0] != actions.CodeExpression || !strings.Contains(messages[0], "line 9, column 17") || !strings.Contains(messages[0], "not a finite number") {
		t.Fatalf("failed steps = %v %v, want one expression failure at 9:17 saying the number is not finite", codes, messages)
	}
	// Without a catch the execution fails with the same code; it is stored and can be read back.
	b.add(t, b.engine, "spread.yaml", `
id: spread
inputs:
  seats: {type: number, default: 0}
steps:
  share:
    action: set
    with:
      each: ${{ [1, -1 / input.seats] }}
    next: done
  done:
    end: {}
`)
	r = mustStart(t, b.engine, "spread", nil)
	if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != actions.CodeExpression {
		t.Fatalf("got %s %+v, want a failure with code expression", r.Status, r.Error)
	}
	if _, err := b.engine.Get(context.Background(), r.ExecutionID); err != nil {
		t.Fatalf("the failed execution was not stored: %v", err)
	}
}

// weird returns a kind whose action outputs out as it is.
func weird(name string, out func() map[string]any) actions.Kind {
	return actions.Kind{
		Name:    name,
		Outputs: actions.Any(),
		Build: func(any) (actions.Action, error) {
			return actions.ActionFunc(func(context.Context, *actions.Call) (actions.Result, error) {
				return actions.Done(actions.Success, out()), nil
			}), nil
		},
	}
}

// No output of any action can make the execution record impossible to write: an output JSON
// cannot hold fails its step with code output, naming the key, which a catch routes.
func TestAnOutputJSONCannotHoldFailsTheStep(t *testing.T) {
	t.Parallel()
	cyclic := func() map[string]any {
		m := map[string]any{"n": 1.0}
		m["self"] = m
		return map[string]any{"loop": m}
	}
	cases := []struct {
		name string
		out  func() map[string]any
		key  string
	}{
		{"nan", func() map[string]any { return map[string]any{"ok": 1, "ratio": math.NaN()} }, "ratio"},
		{"inf", func() map[string]any { return map[string]any{"deep": map[string]any{"list": []any{1.0, math.Inf(-1)}}} }, "deep.list[1]"},
		{"float32", func() map[string]any { return map[string]any{"f": float32(math.Inf(1))} }, "f"},
		{"chan", func() map[string]any { return map[string]any{"c": make(chan int)} }, "c"},
		{"func", func() map[string]any { return map[string]any{"fn": func() {}} }, "fn"},
		{"cycle", cyclic, "loop.self"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, storetest.New(t), weird("host.weird", c.out))
			b.add(t, b.engine, "weird.yaml", `
id: weird
steps:
  run:
    action: host.weird
    catch: {output: caught}
    next: done
  caught:
    end: {output: {caught: true}}
  done:
    end: {}
`)
			r, err := b.engine.Start(context.Background(), "weird", engine.StartRequest{Subject: actions.Subject{UserID: "u1"}})
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			if r.Status != engine.StatusCompleted || r.Output["caught"] != true {
				t.Fatalf("got %s %+v %+v, want the catch taken", r.Status, r.Output, r.Error)
			}
			codes, messages := failures(t, b.engine, r.ExecutionID)
			if len(codes) != 1 || codes[0] != actions.CodeOutput || !strings.Contains(messages[0], `"`+c.key+`"`) {
				t.Fatalf("failed steps = %v %v, want one output failure naming %q", codes, messages, c.key)
			}
		})
	}
}

// An event whose data JSON cannot hold keeps its place in the log without its data; the step and
// the execution go on.
func TestAnEventJSONCannotHoldLosesItsData(t *testing.T) {
	t.Parallel()
	k := actions.Kind{Name: "host.noisy", Build: func(any) (actions.Action, error) {
		return actions.ActionFunc(func(_ context.Context, call *actions.Call) (actions.Result, error) {
			call.Emit(measured{Ratio: math.NaN()})
			return actions.Done(actions.Success, map[string]any{"ok": true}), nil
		}), nil
	}}
	b := setup(t, storetest.New(t), k)
	b.add(t, b.engine, "noisy.yaml", `
id: noisy
steps:
  run:
    action: host.noisy
    next: done
  done:
    end: {}
`)
	r := mustStart(t, b.engine, "noisy", nil)
	if r.Status != engine.StatusCompleted {
		t.Fatalf("got %s %+v", r.Status, r.Error)
	}
	evs, err := b.engine.Events(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range evs {
		if ev.Type == "host.measured" {
			found = ev.Data["ratio"] == nil && ev.Data["dropped"] == "the event's data could not be stored"
		}
	}
	if !found {
		t.Fatalf("events = %+v, want host.measured with its data dropped, and said so", evs)
	}
}

// A start input JSON cannot hold (possible through the Go API only) is refused as bad input naming
// the input, before anything runs or is written.
func TestAStartInputJSONCannotHoldIsBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "in.yaml", `
id: in
inputs:
  n: number
  extra: object
steps:
  done:
    end: {}
`)
	for key, input := range map[string]map[string]any{
		"input.n":             {"n": math.Inf(1)},
		"input.extra.list[0]": {"extra": map[string]any{"list": []any{math.NaN()}}},
	} {
		_, err := b.engine.Start(context.Background(), "in", engine.StartRequest{Input: input})
		var ie *outbound.InvalidError
		if !errors.As(err, &ie) || ie.Messages()[key] == "" {
			t.Errorf("start with a bad %s: got %v, want an input error on it", key, err)
		}
	}
}

// measured is the data of a host's event.
type measured struct {
	Ratio float64 `json:"ratio"`
}

func (measured) EventType() string { return "host.measured" }
