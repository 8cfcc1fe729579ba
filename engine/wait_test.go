package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store/storetest"
)

const approval = `
id: approval
steps:
  approve:
    action: wait
    with:
      for: ${{ "an administrator's approval for " + input.what }}
      timeout: 48h
      payload: {approved: bool, note: string}
    on: {timeout: expired}
    next:
      - when: steps.approve.output.approved
        goto: yes
      - goto: no
  yes:
    end: {output: {approved: true, note: "${{ steps.approve.output.note }}"}}
  no:
    end: {output: {approved: false}}
  expired:
    end: {output: {timedOut: "${{ steps.approve.output.timedOut }}"}}
inputs:
  what: string
`

func startApproval(t *testing.T) (*bundle, *engine.Response, string) {
	t.Helper()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "approval.yaml", approval)
	r := mustStart(t, b.engine, "approval", map[string]any{"what": "the key"})
	if r.Status != engine.StatusWaiting || r.Action != engine.ActionWait || r.Wait == nil || r.Nonce != "" {
		t.Fatalf("got %+v, want a wait without a nonce", r)
	}
	if r.Wait.For != "an administrator's approval for the key" || r.Wait.Until == nil || !r.Wait.Until.Equal(epoch.Add(48*time.Hour)) {
		t.Fatalf("wait = %+v", r.Wait)
	}
	if !r.ExpiresAt.After(*r.Wait.Until) {
		t.Errorf("the execution expires at %s, before its wait times out", r.ExpiresAt)
	}
	tok, err := b.engine.WaitToken(context.Background(), r.ExecutionID)
	if err != nil || tok == "" {
		t.Fatalf("token %q, %v", tok, err)
	}
	return b, r, tok
}

func TestSignalResumesAWaitOnAnyInstance(t *testing.T) {
	t.Parallel()
	b, r, tok := startApproval(t)
	got, err := b.newEngine(t).Signal(context.Background(), r.ExecutionID, engine.SignalRequest{Token: tok, Payload: map[string]any{"approved": true, "note": "ok by ada"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != engine.StatusCompleted || got.Output["approved"] != true || got.Output["note"] != "ok by ada" {
		t.Fatalf("got %+v", got)
	}
	// The token is single use: replaying it changes nothing.
	if _, err := b.engine.Signal(context.Background(), r.ExecutionID, engine.SignalRequest{Token: tok, Payload: map[string]any{"approved": false, "note": ""}}); !isConflict(err) {
		t.Fatalf("replayed token: %v, want a conflict", err)
	}
}

func TestSignalWithAForgedTokenChangesNothing(t *testing.T) {
	t.Parallel()
	b, r, tok := startApproval(t)
	if _, err := b.engine.Signal(context.Background(), r.ExecutionID, engine.SignalRequest{Token: "forged", Payload: map[string]any{"approved": true, "note": ""}}); !isConflict(err) {
		t.Fatalf("forged token: %v, want a conflict", err)
	}
	if now, _ := b.engine.WaitToken(context.Background(), r.ExecutionID); now != tok {
		t.Fatal("a forged token changed the wait's token")
	}
}

func TestSignalPayloadIsCheckedAndKeepsTheToken(t *testing.T) {
	t.Parallel()
	b, r, tok := startApproval(t)
	_, err := b.engine.Signal(context.Background(), r.ExecutionID, engine.SignalRequest{Token: tok, Payload: map[string]any{"approved": "yes", "extra": 1}})
	var inv *outbound.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("got %v, want an invalid input error", err)
	}
	fields := map[string]bool{}
	for _, f := range inv.Fields {
		fields[f.Field] = true
	}
	for _, want := range []string{"payload.approved", "payload.note", "payload.extra"} {
		if !fields[want] {
			t.Errorf("no message for %s in %v", want, inv.Fields)
		}
	}
	got, err := b.engine.Signal(context.Background(), r.ExecutionID, engine.SignalRequest{Token: tok, Payload: map[string]any{"approved": false, "note": ""}})
	if err != nil || got.Output["approved"] != false {
		t.Fatalf("the token should still answer the wait: %+v, %v", got, err)
	}
}

func TestWaitTimesOutWhenReadAfterItsTimeout(t *testing.T) {
	t.Parallel()
	b, r, tok := startApproval(t)
	b.clock.Advance(47 * time.Hour)
	if got, _ := b.engine.Get(context.Background(), r.ExecutionID); got.Status != engine.StatusWaiting {
		t.Fatalf("before the timeout: %s", got.Status)
	}
	b.clock.Advance(2 * time.Hour)
	got, err := b.engine.Get(context.Background(), r.ExecutionID)
	if err != nil || got.Status != engine.StatusCompleted || got.Output["timedOut"] != true {
		t.Fatalf("after the timeout: %+v, %v", got, err)
	}
	if _, err := b.engine.Signal(context.Background(), r.ExecutionID, engine.SignalRequest{Token: tok, Payload: map[string]any{"approved": true, "note": ""}}); !isConflict(err) {
		t.Fatalf("a signal after the timeout: %v, want a conflict", err)
	}
}

func TestClientsCannotAnswerAWait(t *testing.T) {
	t.Parallel()
	b, r, tok := startApproval(t)
	for _, interaction := range []string{"signal", "timeout"} {
		_, err := b.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{Interaction: interaction, Nonce: tok, Input: map[string]any{"approved": true, "note": ""}})
		var inv *outbound.InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("next %s: %v, want refused", interaction, err)
		}
	}
}
