package flows

import (
	"errors"
	"strings"
	"testing"
)

// A step whose settings are wrong still has its transitions checked: one load reports the misspelt
// outcome under on, the missing way out and the transitions of a terminal step beside the settings'
// problems, instead of after they are fixed. A misspelt field type does not make the field a
// string for the conditions that read it.
func TestAStepWithBadSettingsHasItsOtherProblemsReportedToo(t *testing.T) {
	t.Parallel()
	_, err := coreLoader(t).LoadFile("testdata/errors/hidden.yaml")
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("got %v, want diagnostics", err)
	}
	got := ds.Error()
	for _, want := range []string{
		`hidden.yaml:6:19: bad name in set (step "save")`,
		`hidden.yaml:9:15: step "save": set has no outcome "sucess"; its outcomes are success (did you mean "success"?)`,
		`hidden.yaml:18:29: fields[0].type in screen (step "ask")`,
		`hidden.yaml:21:11: step "ask": screen has no outcome "og"; its outcomes are go, back (did you mean "go"?)`,
		`hidden.yaml:23:7: step "ask": when none of its conditions holds there is nowhere to go`,
		`hidden.yaml:28:7: unknown field "titel" in end (step "done")`,
		`hidden.yaml:29:11: step "done" ends the flow (end); remove next`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s\nin:\n%s", want, got)
		}
	}
	if strings.Contains(got, "mismatched types") {
		t.Errorf("a field whose type is misspelt is typed as a string:\n%s", got)
	}
}
