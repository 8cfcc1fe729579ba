package flowtest_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/flowtest"
)

// refusedScenarios answer the first screen of testdata/wrong/plan.yaml with fields it refuses.
const refusedScenarios = `
flow: choose-plan
scenarios:
  - name: misspelled field
    interactions:
      - press: continue
        with: {plan: pro, emial: ada@example.com}
    expect:
      path: [pick, team]

  - name: refused then expected elsewhere
    interactions:
      - press: continue
        with: {plan: pro, email: not-an-email}
      - expect: {step: team}
        press: continue
        with: {company: Acme, seats: 3}

  - name: refused at the end
    interactions:
      - press: continue
        with: {plan: pro}
    expect:
      path: [pick, team]

  - name: refused then pressed on
    interactions:
      - press: continue
        with: {plan: pro, email: not-an-email}
      - press: continue
        with: {company: Acme, seats: 3}
`

// TestAScenarioSaysWhichFieldsTheScreenRefused runs scenarios whose answers a screen refuses: each
// failure names the fields and their messages, or the misspelled field and the likely one.
func TestAScenarioSaysWhichFieldsTheScreenRefused(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"refused.test.yaml": refusedScenarios})
	rep := run(t, flowtest.Options{Paths: []string{"testdata/wrong/plan.yaml", filepath.Join(dir, "refused.test.yaml")}})
	for name, want := range map[string]string{
		"misspelled field": `interaction 1 (line 6): pressed "continue" at step "pick": invalid input: input.emial is not a field of screen "pick" (did you mean "email"?)`,
		"refused then expected elsewhere": `before interaction 2 (line 15): the execution is waiting at step "pick" but the scenario expected step "team"; ` +
			`the screen came back with field errors: email: "Work email must be an email address."`,
		"refused at the end": `the flow stopped at step "pick" (waiting at a screen that came back with field errors: email: "Work email is required.")`,
		"refused then pressed on": `interaction 2 (line 30): pressed "continue" at step "pick": invalid input: input.company is not a field of screen "pick"; its fields are plan, email; input.seats is not a field of screen "pick"; its fields are plan, email; ` +
			`the screen came back with field errors: email: "Work email must be an email address."`,
	} {
		s := scenario(t, rep, name)
		if all := strings.Join(s.Failures, "\n"); !strings.Contains(all, want) {
			t.Errorf("%s: the failures lack\n%s\nthey are:\n%s", name, want, all)
		}
	}
}
