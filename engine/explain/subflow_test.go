package explain_test

import (
	"context"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/store/storetest"
)

// TestExplainShowsSubflowNesting: the steps of a flow run by a step are indented under it, named
// by their path, and the step says which flow it ran and where that flow ended.
func TestExplainShowsSubflowNesting(t *testing.T) {
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "consent.yaml", `
id: consent
version: "3"
outputs: {connected: bool}
steps:
  ask:
    screen: {title: "Connect?", buttons: [{id: "yes"}]}
    next: granted
  granted:
    end: {output: {connected: true}}
`)
	b.add(t, b.engine, "tour.yaml", `
id: tour
version: "1"
steps:
  connect:
    action: flow
    with: {flow: consent}
    on: {granted: done}
  done:
    end: {output: {ok: "${{ steps.connect.outcome }}"}}
`)
	ctx := context.Background()
	r, err := b.engine.Start(ctx, "tour", engine.StartRequest{Subject: actions.Subject{UserID: "u1"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err = b.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: r.StepID, Interaction: "yes", Nonce: r.Nonce})
	if err != nil || r.Status != engine.StatusCompleted {
		t.Fatalf("next: %v %+v", err, r)
	}
	x, err := explain.Execution(ctx, b.engine, r.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	x.ExecutionID = "X"
	golden(t, "subflow.golden.txt", []byte(x.String()))
}
