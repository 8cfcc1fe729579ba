package engine_test

import (
	"testing"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store/storetest"
)

const agreeFlow = `
id: agree
steps:
  ask:
    action: screen
    with:
      fields:
        - {name: terms, type: checkbox, label: Terms, required: true, value: true}
        - {name: email, type: email, label: Email, value: ada@example.com}
        - {name: code, type: text, label: Code, secret: true}
      buttons: [{id: continue, label: Continue}]
    on:
      continue: done
  done:
    end: {}
`

// TestARefusedScreenShowsWhatWasSent: a screen shown again after a refused answer holds what the
// user sent, not its first values — a required box the user unticked comes back unticked next
// to "must be checked", a wrong email as typed — and never a secret.
func TestARefusedScreenShowsWhatWasSent(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "agree.yaml", agreeFlow)
	r := mustStart(t, b.engine, "agree", nil)
	r2 := mustNext(t, b.engine, r, "continue", map[string]any{"terms": false, "email": "ada@", "code": "s3cret-code"})
	wantScreen(t, r2, "ask")
	got := map[string]any{}
	for _, f := range r2.Screen.Fields {
		got[f.Name] = f.Value
	}
	if got["terms"] != false || got["email"] != "ada@" || got["code"] != nil {
		t.Errorf("the screen shown again holds %v; want terms unticked, the email as typed and no secret", got)
	}
	if len(r2.Screen.Messages) != 2 {
		t.Errorf("messages %+v, want one for terms and one for the email", r2.Screen.Messages)
	}
	if r3 := mustNext(t, b.engine, r2, "continue", map[string]any{"terms": true, "email": "ada@example.com", "code": "x"}); r3.Status != engine.StatusCompleted {
		t.Errorf("after a right answer: %s", r3.Status)
	}
}
