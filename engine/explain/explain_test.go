package explain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/store/storetest"
)

// update rewrites the golden files under testdata/ instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; if the change is intended, run go test ./engine/explain -run %s -update\n--- got ---\n%s", path, t.Name(), got)
	}
}

// explainedFlow exercises what an explanation shows: a refused answer, conditions reading a secret
// field, retries, a caught error, a loop back to a step, and the end.
const explainedFlow = `
id: explained
version: "2"
steps:
  ask:
    screen:
      title: Open the archive
      fields:
        - {name: email, type: email, label: Email, required: true}
        - {name: code, label: Access code, secret: true}
        - {name: seats, type: number, label: Seats}
      buttons:
        - {id: continue, label: Continue}
        - {id: cancel, label: Cancel, noValidate: true}
    on:
      cancel: cancelled
    next:
      - when: form.code == "letmein" && form.seats > 100
        goto: done
      - when: form.seats > 0
        goto: lookup
      - goto: cancelled
  lookup:
    action: test.flaky
    retry: {attempts: 2, backoff: 1s, jitter: 0}
    catch:
      provider_down: apology
    next: done
  apology:
    screen:
      title: The archive is busy
      buttons:
        - {id: again, label: Try again}
    next: lookup
  done:
    end:
      output:
        email: ${{ steps.ask.output.email }}
        calls: ${{ steps.lookup.output.calls }}
  cancelled:
    end:
      output: {cancelled: true}
`

// runExplained runs explainedFlow to completion and returns the bundle and execution id.
func runExplained(t *testing.T) (*bundle, string) {
	t.Helper()
	var calls atomic.Int32
	b := setup(t, storetest.New(t), flaky(3, &calls))
	b.add(t, b.engine, "explained.yaml", explainedFlow)
	r := mustStart(t, b.engine, "explained", nil)
	r = mustNext(t, b.engine, r, "continue", map[string]any{"email": "nope", "code": "hunter2", "seats": "5"})
	r = mustNext(t, b.engine, r, "continue", map[string]any{"email": "ada@example.com", "code": "hunter2", "seats": "5"})
	wantScreen(t, r, "apology")
	r = mustNext(t, b.engine, r, "again", nil)
	if r.Status != engine.StatusCompleted {
		t.Fatalf("status %s, error %+v", r.Status, r.Error)
	}
	return b, r.ExecutionID
}

func TestExplainGolden(t *testing.T) {
	t.Parallel()
	b, id := runExplained(t)
	events, err := b.engine.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	x := explain.Events(events)
	text := x.String()
	golden(t, "explain.golden.txt", []byte(text))
	if strings.Contains(text, "hunter2") || bytes.Contains(mustJSON(t, x), []byte("hunter2")) || bytes.Contains(mustJSON(t, events), []byte("hunter2")) {
		t.Fatal("the explanation shows the value of a secret field")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExplainStructure(t *testing.T) {
	t.Parallel()
	b, id := runExplained(t)
	x, err := explain.Execution(context.Background(), b.engine, id)
	if err != nil {
		t.Fatal(err)
	}
	if x.ExecutionID != id || x.FlowID != "explained" || x.FlowVersion != "2" || x.Status != engine.StatusCompleted || x.Subject.UserID != "u1" {
		t.Fatalf("header = %+v", x)
	}
	var visited []string
	for _, st := range x.Steps {
		visited = append(visited, st.Step)
	}
	if got := strings.Join(visited, " "); got != "ask lookup apology lookup done" {
		t.Fatalf("steps = %s", got)
	}
	ask := x.Steps[0]
	if len(ask.Pauses) != 1 || len(ask.Pauses[0].Refused) != 1 || ask.Pauses[0].Refused[0][0] != "email" {
		t.Errorf("ask pauses = %+v", ask.Pauses)
	}
	if len(ask.Branches) != 1 || ask.Branches[0].Goto != "lookup" || ask.Branches[0].Via != "when" || len(ask.Branches[0].Checks) != 2 {
		t.Fatalf("ask branches = %+v", ask.Branches)
	}
	first := ask.Branches[0].Checks[0]
	if first.Result || first.Values["form.code"] != engine.Redacted || first.Values["form.seats"] != float64(5) {
		t.Errorf("first check = %+v", first)
	}
	lookup := x.Steps[1]
	if len(lookup.Retries) != 1 || lookup.Retries[0].Delay != time.Second || lookup.Error == nil || lookup.Error.Code != "provider_down" {
		t.Errorf("lookup = %+v", lookup)
	}
	if len(lookup.Branches) != 1 || lookup.Branches[0].Via != "catch" || lookup.Branches[0].Goto != "apology" {
		t.Errorf("lookup branches = %+v", lookup.Branches)
	}
	if x.Steps[4].Ended != "completed" || x.Output["calls"] != float64(4) {
		t.Errorf("end = %+v, output %+v", x.Steps[4], x.Output)
	}
}

func TestExplainAnExpiredExecution(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	r := mustStart(t, b.engine, "choose-plan", nil)
	b.clock.Advance(31 * time.Minute)
	x, err := explain.Execution(context.Background(), b.engine, r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != engine.StatusExpired || x.Error == nil || x.Error.Code != "expired" {
		t.Fatalf("status %s error %+v", x.Status, x.Error)
	}
	if !strings.Contains(x.String(), "status expired") || !strings.Contains(x.String(), "paused at a screen") {
		t.Errorf("text:\n%s", x)
	}
}

func TestExplainUnknownExecution(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	if _, err := explain.Execution(context.Background(), b.engine, "nope"); !errors.Is(err, engine.ErrExecutionNotFound) {
		t.Fatalf("err = %v, want ErrExecutionNotFound", err)
	}
}

func TestExplainNotesATruncatedLog(t *testing.T) {
	t.Parallel()
	x := explain.Events([]engine.Event{
		{Seq: 7, Type: engine.EventStepCompleted, StepID: "pick", Data: map[string]any{"outcome": "continue"}},
		{Seq: 8, Type: engine.EventBranch, StepID: "pick", Data: map[string]any{"outcome": "continue", "via": "default", "goto": "done"}},
	})
	if !x.Truncated || len(x.Steps) != 1 || x.Steps[0].Step != "pick" || x.Steps[0].Branches[0].Goto != "done" {
		t.Fatalf("explanation = %+v", x)
	}
	if !strings.Contains(x.String(), "oldest events are gone") {
		t.Errorf("text:\n%s", x)
	}
}
