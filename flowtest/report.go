package flowtest

import (
	"fmt"
	"strings"

	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/flows"
)

// Report is the outcome of a run: every scenario, and the branch coverage of every flow tested.
type Report struct {
	Scenarios []ScenarioResult `json:"scenarios"`
	Coverage  []Coverage       `json:"coverage"`
	// RequireCoverage is Options.RequireCoverage: incomplete coverage fails the run.
	RequireCoverage bool `json:"requireCoverage,omitempty"`
}

// ScenarioResult is how one scenario went.
type ScenarioResult struct {
	Flow string `json:"flow"`
	Name string `json:"name"`
	// File and Line locate the scenario.
	File string `json:"file"`
	Line int    `json:"line"`
	// Failures says what did not match, one message each; empty when the scenario passed.
	Failures []string `json:"failures,omitempty"`
	// Path lists the steps the execution entered, in order.
	Path        []string `json:"path"`
	Status      string   `json:"status,omitempty"`
	ExecutionID string   `json:"executionId,omitempty"`
	// Trace explains the execution step by step.
	Trace *explain.Explanation `json:"-"`

	flow *flows.Flow
}

// Failed reports whether the scenario failed.
func (r ScenarioResult) Failed() bool { return len(r.Failures) > 0 }

// Messages returns the failures, each prefixed with the scenario: `scenario "free plan": at step
// "pick" the flow went to "done" ...`.
func (r ScenarioResult) Messages() []string {
	out := make([]string, len(r.Failures))
	for i, f := range r.Failures {
		out[i] = fmt.Sprintf("scenario %q: %s", r.Name, f)
	}
	return out
}

// Failed returns the scenarios that failed.
func (r *Report) Failed() []ScenarioResult {
	var out []ScenarioResult
	for _, s := range r.Scenarios {
		if s.Failed() {
			out = append(out, s)
		}
	}
	return out
}

// Incomplete returns the coverage of the flows with a branch no scenario took (or no scenario).
func (r *Report) Incomplete() []Coverage {
	var out []Coverage
	for _, c := range r.Coverage {
		if !c.Complete() {
			out = append(out, c)
		}
	}
	return out
}

// OK reports whether every scenario passed and, with RequireCoverage, every branch was taken.
func (r *Report) OK() bool {
	return len(r.Failed()) == 0 && (!r.RequireCoverage || len(r.Incomplete()) == 0)
}

// String renders the report for people: a line per scenario (with the failures under it), the
// coverage of each flow, and a summary.
func (r *Report) String() string {
	var b strings.Builder
	for _, s := range r.Scenarios {
		if !s.Failed() {
			fmt.Fprintf(&b, "PASS  %s: %s\n", s.Flow, s.Name)
			continue
		}
		fmt.Fprintf(&b, "FAIL  %s: %s  (%s:%d)\n", s.Flow, s.Name, s.File, s.Line)
		for _, m := range s.Messages() {
			fmt.Fprintf(&b, "      %s\n", m)
		}
	}
	if len(r.Coverage) > 0 {
		b.WriteString("\ncoverage\n")
		for _, c := range r.Coverage {
			mark := "  "
			if !c.Complete() {
				mark = "✗ "
			}
			fmt.Fprintf(&b, "  %s%s\n", mark, c)
		}
	}
	failed := len(r.Failed())
	fmt.Fprintf(&b, "\n%d scenarios: %d passed, %d failed", len(r.Scenarios), len(r.Scenarios)-failed, failed)
	if inc := len(r.Incomplete()); inc > 0 {
		fmt.Fprintf(&b, "; %d of %d flows not fully covered", inc, len(r.Coverage))
		if r.RequireCoverage {
			b.WriteString(" (full coverage is required)")
		}
	} else if len(r.Coverage) > 0 {
		fmt.Fprintf(&b, "; every branch of %d flows taken", len(r.Coverage))
	}
	b.WriteString("\n")
	return b.String()
}
