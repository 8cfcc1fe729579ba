package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

const greetV1 = `
id: greet
version: "1"
steps:
  ask:
    screen:
      title: Version one
      fields: [{name: name, label: Name, required: true}]
      buttons: [{id: ok}]
    next: done
  done:
    end: {output: {version: 1, name: "${{ steps.ask.output.name }}"}}
`

// greetV2 renames the screen's step and changes the output.
const greetV2 = `
id: greet
version: "2"
steps:
  hello:
    screen:
      title: Version two
      buttons: [{id: ok}]
    next: done
  done:
    end: {output: {version: 2}}
`

func TestExecutionsStayOnTheVersionTheyStartedOn(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "greet.yaml", greetV1)
	r := mustStart(t, b.engine, "greet", nil)
	b.add(t, b.engine, "greet.yaml", greetV2)

	fresh := mustStart(t, b.engine, "greet", nil)
	if fresh.Screen.Title != "Version two" {
		t.Fatalf("a new execution should start on version 2, got %q", fresh.Screen.Title)
	}
	done := mustNext(t, b.engine, r, "ok", map[string]any{"name": "Ada"})
	if done.Output["version"] != float64(1) || done.Output["name"] != "Ada" {
		t.Fatalf("the execution started on version 1 finished with %+v", done.Output)
	}
}

func TestAnotherInstanceContinuesAfterARestart(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := setup(t, s)
		b.add(t, b.engine, "greet.yaml", greetV1)
		r := mustStart(t, b.engine, "greet", nil)

		// A new server process: same Redis, fresh memory, and by now the flow file says version 2.
		restarted := b.newEngine(t)
		b.add(t, restarted, "greet.yaml", greetV2)
		done := mustNext(t, restarted, r, "ok", map[string]any{"name": "Grace"})
		if done.Status != engine.StatusCompleted || done.Output["version"] != float64(1) || done.Output["name"] != "Grace" {
			t.Fatalf("got %s %+v", done.Status, done.Output)
		}
	})
}

func TestATransitionCostsAtMostTwoRoundTrips(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := setup(t, s)
		b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
		rt := storetest.CountRoundTrips(s)
		r := mustStart(t, b.engine, "choose-plan", nil)
		if n := rt.Count(); n != 1 {
			t.Errorf("start took %d round trips, want 1", n)
		}
		rt.Reset()
		r = mustNext(t, b.engine, r, "continue", map[string]any{"plan": "pro", "email": "a@b.co"})
		if n := rt.Count(); n != 2 {
			t.Errorf("next took %d round trips, want 2", n)
		}
		rt.Reset()
		// Invalid input re-shows the screen: still one transition.
		mustNext(t, b.engine, r, "continue", map[string]any{})
		if n := rt.Count(); n != 2 {
			t.Errorf("a rejected input took %d round trips, want 2", n)
		}
	})
}

func TestEventLogIsCappedAndReadable(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	b := setup(t, s)
	e, err := engine.New(engine.Options{Store: s, Registry: b.reg, Clock: b.clock, MaxEvents: 5})
	if err != nil {
		t.Fatal(err)
	}
	b.add(t, e, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, e, "choose-plan", nil)
	for range 4 {
		r = mustNext(t, e, r, "continue", map[string]any{})
	}
	evs, err := e.Events(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 {
		t.Fatalf("%d events, want the newest 5", len(evs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq != evs[i-1].Seq+1 {
			t.Fatalf("events out of order: %+v", evs)
		}
	}
	if !strings.HasPrefix(evs[len(evs)-1].Type, "step.") {
		t.Fatalf("last event = %+v", evs[len(evs)-1])
	}
}
