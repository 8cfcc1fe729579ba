package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store/storetest"
)

// An output key an action asks to redact is read by later steps but shown redacted in events.
func TestRedactedOutputStaysOutOfEvents(t *testing.T) {
	t.Parallel()
	kind := actions.Define(actions.Kind{Name: "host.lookup", Outputs: actions.Object(map[string]actions.Type{
		"status": actions.Number(), "body": actions.Any(),
	})}, func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
		res := actions.Done(actions.Success, map[string]any{"status": float64(200), "body": map[string]any{"email": "ada@example.com"}})
		res.Redact = []string{"body", "absent"}
		return res, nil
	})
	b := setup(t, storetest.New(t), kind)
	b.add(t, b.engine, "lookup.yaml", `
id: lookup
steps:
  find:
    action: host.lookup
    next: done
  done:
    end: {output: {email: "${{ steps.find.output.body.email }}"}}
`)
	r := mustStart(t, b.engine, "lookup", nil)
	if r.Status != engine.StatusCompleted || r.Output["email"] != "ada@example.com" {
		t.Fatalf("a later step could not read the redacted key: %s %v", r.Status, r.Output)
	}
	events, err := b.engine.Events(context.Background(), r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.StepID != "find" {
			continue
		}
		raw, _ := json.Marshal(ev)
		if strings.Contains(string(raw), "ada@example.com") {
			t.Errorf("the event log shows the redacted body: %s", raw)
		}
		if strings.Contains(string(raw), `"status":200`) && !strings.Contains(string(raw), engine.Redacted) {
			t.Errorf("the step's event does not mark the body redacted: %s", raw)
		}
	}
}
