package oauth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
)

// A redirect can be answered only through its callback: the client never gets the pause's nonce,
// and Next refuses the callback interaction.
func TestAClientCannotAnswerARedirect(t *testing.T) {
	t.Parallel()
	f := setup(t)
	resp := f.start(t, "connect-crm", alice)
	if resp.Action != engine.ActionRedirect || resp.Nonce != "" {
		t.Fatalf("a redirect response carries a nonce: %+v", resp)
	}
	_, err := f.eng.Next(context.Background(), resp.ExecutionID, engine.NextRequest{
		StepID: "connect", Interaction: actions.InteractionCallback, Nonce: "guess",
		Input: map[string]any{"outcome": "connected", "connectionId": "cn_x"},
	})
	if !errors.Is(err, engine.ErrBadInput) {
		t.Fatalf("Next with the callback interaction: %v, want ErrBadInput", err)
	}
}

// Even through the callback path, a result that names a connection the vault does not hold for
// this owner and app completes the step with "error".
func TestAForgedCallbackResultIsNotTrusted(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	bob := f.start(t, "connect-crm", actions.Subject{UserID: "bob"})
	bobDone := f.callback(t, f.p.approve(t, bob.Redirect.URL))
	bobConn, _ := bobDone.Output["connectionId"].(string)
	if bobConn == "" {
		t.Fatalf("bob did not connect: %+v", bobDone)
	}
	for _, forged := range []string{"cn_forged", bobConn} {
		resp := f.start(t, "connect-crm", alice)
		res, err := f.vault.HandleCallback(ctx, "crm", f.p.approve(t, resp.Redirect.URL), "")
		if err != nil || res.Resume == nil {
			t.Fatalf("callback: %v %+v", err, res)
		}
		done, err := f.eng.ResumeCallback(ctx, engine.CallbackRequest{ExecutionID: res.Resume.ExecutionID, StepID: res.Resume.StepID,
			Nonce: res.Resume.Nonce, Input: map[string]any{
				"outcome": "connected", "connectionId": forged, "scopes": []any{"admin"},
			}})
		if err != nil {
			t.Fatalf("%s: %v", forged, err)
		}
		if done.Status != engine.StatusCompleted || done.Output["failed"] != true {
			t.Fatalf("%s: a forged connection completed the flow: %+v", forged, done.Output)
		}
		evs, err := f.eng.Events(ctx, resp.ExecutionID)
		if err != nil {
			t.Fatal(err)
		}
		var outcome any
		for _, ev := range evs {
			if ev.Type == engine.EventStepCompleted && ev.StepID == "connect" {
				outcome = ev.Data["outcome"]
			}
		}
		if outcome != "error" {
			t.Fatalf("%s: step connect completed with %v, want error", forged, outcome)
		}
	}
}
