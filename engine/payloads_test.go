package engine_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store/storetest"
)

// TestEveryEngineEventReadsBackAsItsType runs a flow through each kind of engine event and checks
// that every one decodes into its payload type with the values written, and that the payload holds
// every key stored (none misspelled, none lost).
func TestEveryEngineEventReadsBackAsItsType(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	b := setup(t, storetest.New(t), flaky(1, &calls))
	b.add(t, b.engine, "typed.yaml", `
id: typed
steps:
  ask:
    screen:
      fields: [{name: name, label: Name, required: true}]
      buttons: [{id: go}]
    next: call
  call:
    action: test.flaky
    retry: {attempts: 2, backoff: 1s, jitter: 0}
    next: deny
  deny:
    action: fail
    with: {code: denied, message: Not today.}
    catch:
      denied: done
  done:
    end: {output: {name: "${{ steps.ask.output.name }}"}}
`)
	r := mustStart(t, b.engine, "typed", nil)
	r = mustNext(t, b.engine, r, "go", map[string]any{})
	r = mustNext(t, b.engine, r, "go", map[string]any{"name": "Ada"})
	if r.Status != engine.StatusCompleted {
		t.Fatalf("got %s %+v", r.Status, r.Error)
	}
	evs, err := b.engine.Events(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]engine.Payload{}
	for _, ev := range evs {
		p, ok := ev.Payload()
		if !ok {
			t.Fatalf("event %s does not decode: %+v", ev.Type, ev.Data)
		}
		if p.EventType() != ev.Type {
			t.Fatalf("event %s decodes as %T", ev.Type, p)
		}
		if re, stored := asJSON(t, p), asJSON(t, ev.Data); !reflect.DeepEqual(re, stored) && len(ev.Data) > 0 {
			t.Errorf("event %s: its payload encodes as %v, the stored data is %v", ev.Type, re, stored)
		}
		got[ev.Type] = p
	}
	want := map[string]engine.Payload{
		engine.EventStarted:       engine.StartedEvent{FlowVersion: r.FlowVersion, FlowHash: got[engine.EventStarted].(engine.StartedEvent).FlowHash, Subject: got[engine.EventStarted].(engine.StartedEvent).Subject},
		engine.EventInputRejected: engine.InputRejectedEvent{Fields: []string{"name"}},
		engine.EventStepRetried:   engine.StepRetriedEvent{Attempt: 1, Code: "provider_down", DelayMs: 1000},
		engine.EventStepFailed:    engine.StepFailedEvent{Code: "denied", Message: "Not today."},
		engine.EventBranch:        engine.Decision{Outcome: "error:denied", Via: "catch", Goto: "done"},
		engine.EventStepEntered:   engine.StepEnteredEvent{Action: "end"},
		engine.EventCompleted:     engine.CompletedEvent{Output: map[string]any{"name": "Ada"}},
	}
	for typ, w := range want {
		if !reflect.DeepEqual(got[typ], w) {
			t.Errorf("last %s event = %+v, want %+v", typ, got[typ], w)
		}
	}
	if s := got[engine.EventStarted].(engine.StartedEvent); s.Subject.UserID != "u1" || s.FlowHash == "" {
		t.Errorf("start event = %+v", s)
	}
}

func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
