package engine_test

import (
	"testing"

	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/store/storetest"
)

// TestAHostKindThatReadsSecretInputSeesIt checks that what a screen's secret field reaches follows
// the kind's ReadsSecretInput flag, not its name: a host's own screen kind with the flag sees the
// secret in its conditions, and one without it does not.
func TestAHostKindThatReadsSecretInputSeesIt(t *testing.T) {
	t.Parallel()
	reads := core.Screen()
	reads.Name, reads.ReadsSecretInput = "host.login", true
	blind := core.Screen()
	blind.Name, blind.ReadsSecretInput = "host.blind", false
	s := storetest.New(t)
	b := setup(t, s, reads, blind)
	for _, kind := range []string{"host.login", "host.blind"} {
		id := "secret-" + kind[len("host."):]
		b.add(t, b.engine, id+".yaml", `
id: `+id+`
steps:
  ask:
    action: `+kind+`
    with:
      fields:
        - {name: password, label: Password, secret: true, required: true}
      buttons: [{id: go}]
    next:
      - when: len(form.password) >= 12
        goto: seen
      - goto: unseen
  seen:
    end: {output: {seen: true}}
  unseen:
    end: {output: {seen: false}}
`)
		r := mustStart(t, b.engine, id, nil)
		r = mustNext(t, b.engine, r, "go", map[string]any{"password": "correct-horse-battery-staple"})
		want := kind == "host.login"
		if r.Output["seen"] != want {
			t.Errorf("%s: the condition saw the secret: %v, want %v", kind, r.Output["seen"], want)
		}
	}
	if hits := storetest.Find(t, s, "correct-horse-battery-staple"); len(hits) > 0 {
		t.Fatalf("the secret is stored in Redis at %v", hits)
	}
}
