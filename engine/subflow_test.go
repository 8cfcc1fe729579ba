package engine_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store/storetest"
)

const consentV1 = `
id: consent
version: "1"
inputs:
  app: {type: string, required: true}
outputs:
  connected: bool
  app: string
steps:
  ask:
    screen:
      title: ${{ "Connect " + input.app + "?" }}
      buttons: [{id: "yes"}, {id: "no"}, {id: boom}]
    on: {"yes": granted, "no": refused, boom: broken}
  granted:
    end: {output: {connected: true, app: "${{ input.app }}"}}
  refused:
    end: {output: {connected: false}}
  broken:
    action: fail
    with: {code: provider_down, message: The provider is down.}
`

const consentV2 = `
id: consent
version: "2"
inputs:
  app: {type: string, required: true}
outputs:
  connected: bool
  app: string
steps:
  ask:
    screen:
      title: Version two
      buttons: [{id: "yes"}, {id: "no"}]
    on: {"yes": granted, "no": refused}
  granted:
    end: {output: {connected: true}}
  refused:
    end: {output: {connected: false}}
`

const tour = `
id: tour
inputs:
  app: string
steps:
  welcome:
    screen:
      title: Welcome
      buttons: [{id: go}]
    next: connect
  connect:
    action: flow
    with: {flow: consent, input: {app: "${{ input.app }}"}}
    on: {granted: done, refused: done}
    catch: {provider_down: sorry}
  done:
    end:
      title: Done
      output:
        connected: ${{ steps.connect.output.connected }}
        outcome: ${{ steps.connect.outcome }}
        app: ${{ steps.connect.output.app }}
  sorry:
    end: {output: {connected: false, outcome: "${{ steps.connect.outcome }}"}}
`

// addSet loads flows as one set (sub-flows checked and typed) and makes them current on e.
func (b *bundle) addSet(t testing.TB, e *engine.Engine, files map[string]string) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	loaded, err := b.loader.LoadFS(fsys)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	for _, f := range loaded {
		if err := e.AddFlow(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSubflowRunsInsideTheExecution(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.addSet(t, b.engine, map[string]string{"consent.yaml": consentV1, "tour.yaml": tour})
	r := mustStart(t, b.engine, "tour", map[string]any{"app": "contacts"})
	r = mustNext(t, b.engine, r, "go", nil)
	wantScreen(t, r, "connect/ask")
	if r.Screen.Title != "Connect contacts?" {
		t.Errorf("title = %q: the sub-flow should read its own input", r.Screen.Title)
	}
	// Another instance continues it, with the nonce of the sub-flow's screen.
	r = mustNext(t, b.newEngine(t), r, "yes", nil)
	if r.Status != engine.StatusCompleted || r.ExecutionID == "" {
		t.Fatalf("status %s, error %+v", r.Status, r.Error)
	}
	want := map[string]any{"connected": true, "outcome": "granted", "app": "contacts"}
	for k, v := range want {
		if r.Output[k] != v {
			t.Errorf("output %s = %v, want %v (output %v)", k, r.Output[k], v, r.Output)
		}
	}
	if r.Screen == nil || r.Screen.Title != "Done" {
		t.Errorf("the parent's end shows its finished page, got %+v", r.Screen)
	}
	evs, err := b.engine.Events(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, ev := range evs {
		if ev.Type == engine.EventStepEntered || ev.Type == engine.EventSubflowStarted || ev.Type == engine.EventSubflowEnded {
			steps = append(steps, ev.Type+" "+ev.StepID)
		}
	}
	wantSteps := []string{"step.entered welcome", "step.entered connect", "subflow.started connect", "step.entered connect/ask",
		"step.entered connect/granted", "subflow.ended connect", "step.entered done"}
	if len(steps) != len(wantSteps) {
		t.Fatalf("events %v, want %v", steps, wantSteps)
	}
	for i := range steps {
		if steps[i] != wantSteps[i] {
			t.Errorf("event %d = %q, want %q", i, steps[i], wantSteps[i])
		}
	}
}

func TestSubflowErrorGoesToTheCallingStepsCatch(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.addSet(t, b.engine, map[string]string{"consent.yaml": consentV1, "tour.yaml": tour})
	r := mustStart(t, b.engine, "tour", map[string]any{"app": "contacts"})
	r = mustNext(t, b.engine, r, "go", nil)
	r = mustNext(t, b.engine, r, "boom", nil)
	if r.Status != engine.StatusCompleted || r.Output["outcome"] != "error:provider_down" {
		t.Fatalf("status %s output %v error %+v, want the catch's end", r.Status, r.Output, r.Error)
	}
}

func TestSubflowErrorNobodyCatchesFailsTheExecution(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	noCatch := `
id: bare
steps:
  connect:
    action: flow
    with: {flow: consent, input: {app: x}}
    next: done
  done:
    end: {}
`
	b.addSet(t, b.engine, map[string]string{"consent.yaml": consentV1, "bare.yaml": noCatch})
	r := mustStart(t, b.engine, "bare", nil)
	wantScreen(t, r, "connect/ask")
	r = mustNext(t, b.engine, r, "boom", nil)
	if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != "provider_down" || r.StepID != "connect" {
		t.Fatalf("status %s step %s error %+v, want failed with provider_down at connect", r.Status, r.StepID, r.Error)
	}
}

func TestSubflowStaysOnTheVersionTheExecutionStartedWith(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.addSet(t, b.engine, map[string]string{"consent.yaml": consentV1, "tour.yaml": tour})
	r := mustStart(t, b.engine, "tour", map[string]any{"app": "contacts"})
	b.addSet(t, b.engine, map[string]string{"consent.yaml": consentV2, "tour.yaml": tour})
	r = mustNext(t, b.newEngine(t), r, "go", nil)
	if r.Screen == nil || r.Screen.Title != "Connect contacts?" {
		t.Fatalf("got %+v, want version 1 of the sub-flow", r.Screen)
	}
	fresh := mustStart(t, b.engine, "tour", map[string]any{"app": "contacts"})
	fresh = mustNext(t, b.engine, fresh, "go", nil)
	if fresh.Screen == nil || fresh.Screen.Title != "Version two" {
		t.Fatalf("a new execution should run version 2, got %+v", fresh.Screen)
	}
}

func TestSubflowNonceChainIsOne(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.addSet(t, b.engine, map[string]string{"consent.yaml": consentV1, "tour.yaml": tour})
	r := mustStart(t, b.engine, "tour", map[string]any{"app": "contacts"})
	old := r
	r = mustNext(t, b.engine, r, "go", nil)
	// The welcome screen's nonce was used: replaying it changes nothing.
	if _, err := b.engine.Next(context.Background(), old.ExecutionID, engine.NextRequest{StepID: "connect/ask", Interaction: "yes", Nonce: old.Nonce}); !isConflict(err) {
		t.Fatalf("replayed nonce: %v, want a conflict", err)
	}
	// A step id outside the sub-flow is refused.
	if _, err := b.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{StepID: "ask", Interaction: "yes", Nonce: r.Nonce}); !isConflict(err) {
		t.Fatalf("bare step id: %v, want a conflict", err)
	}
	r = mustNext(t, b.engine, r, "no", nil)
	if r.Status != engine.StatusCompleted || r.Output["connected"] != false || r.Output["outcome"] != "refused" {
		t.Fatalf("status %s output %v", r.Status, r.Output)
	}
}

func TestSubflowInputIsCheckedWhenItRuns(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	// Loaded on its own, the caller is not checked against the sub-flow: the engine checks the input.
	b.add(t, b.engine, "consent.yaml", consentV1)
	b.add(t, b.engine, "caller.yaml", `
id: caller
steps:
  connect:
    action: flow
    with: {flow: consent}
    next: done
    catch: {flow_input: bad}
  done:
    end: {}
  bad:
    end: {output: {why: "${{ steps.connect.outcome }}"}}
`)
	r := mustStart(t, b.engine, "caller", nil)
	if r.Status != engine.StatusCompleted || r.Output["why"] != "error:flow_input" {
		t.Fatalf("status %s output %v error %+v", r.Status, r.Output, r.Error)
	}
}
