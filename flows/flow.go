// Package flows is the flow language: strict YAML loading with file:line:col diagnostics, graph lint,
// and expressions compiled once against a typed environment built from the flow's inputs, its steps'
// outputs and its screens' fields.
//
// A loaded *Flow is immutable and safe for concurrent use; engines run any number of executions of it.
//
// The package is above 3,000 lines (about 3,100) for a reason: the JSON Schema for editors
// (Schema, schema_*.go) is generated from the very document types and patterns the loader decodes
// and checks with, so the two cannot drift apart; a package of its own would have to export them.
package flows

import (
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/expression"
)

// Flow is a loaded, checked flow.
type Flow struct {
	ID          string
	Version     string
	Description string
	// File is the name the flow was loaded from.
	File string
	// Hash identifies the flow's exact source; executions are pinned to it.
	Hash string
	// Source is the YAML the flow was loaded from.
	Source []byte
	Inputs []Input
	// Outputs are the declared outputs (nil when the flow declares none): every end of the flow is
	// checked against them, and a step running the flow as a sub-flow outputs them.
	Outputs []Output
	// Calls lists the steps that run another flow, in file order.
	Calls []Call
	// Messages are the catalogs its texts' message keys (t:<key>) name; nil when it has none.
	Messages *Messages
	// Start is the id of the first step.
	Start string
	// TTL bounds how long an execution may live; zero means the engine's default.
	TTL time.Duration
	// FinishedRetention is how long a completed or failed execution stays readable after it
	// finishes; zero means the engine's default.
	FinishedRetention time.Duration
	// Steps are in file order.
	Steps []*Step

	byID      map[string]*Step
	zeroSteps map[string]any
	zeroForm  map[string]any
	secrets   map[string]bool
}

// Input is a declared flow input.
type Input struct {
	Name        string
	Type        actions.Type
	Required    bool
	Default     any
	Description string
}

// Output is a declared flow output.
type Output struct {
	Name        string
	Type        actions.Type
	Description string
}

// Call is a step that runs another flow (`action: flow`).
type Call struct {
	// Step is the calling step's id; Flow the id of the flow it runs.
	Step, Flow string
	// Line and Col locate the flow id in the file.
	Line, Col int
}

// OutputType is the type of the flow's output as its sub-flow steps see it: the declared outputs,
// or any object when it declares none.
func (f *Flow) OutputType() actions.Type {
	if f.Outputs == nil {
		return actions.Map(actions.Any())
	}
	fields := make(map[string]actions.Type, len(f.Outputs))
	for _, o := range f.Outputs {
		fields[o.Name] = o.Type
	}
	return actions.Object(fields)
}

// Ends returns the ids of the steps that end the flow (end, not fail): the outcomes of a step
// running it as a sub-flow.
func (f *Flow) Ends() []string {
	var out []string
	for _, s := range f.Steps {
		if s.Terminal && !s.Kind.Fails {
			out = append(out, s.ID)
		}
	}
	return out
}

// Step is one step of a flow.
type Step struct {
	ID          string
	Description string
	Kind        actions.Kind
	// Config is the decoded `with:` (a pointer from Kind.NewConfig), nil for kinds without one.
	Config any
	Action actions.Action
	// On maps outcomes to step ids.
	On map[string]string
	// Next holds the ordered conditional branches; the last may be the default (When nil).
	Next []Branch
	// Catch maps error codes to step ids; CatchAny catches every code.
	Catch   map[string]string
	Timeout time.Duration
	Retry   Retry
	// Outputs is the type of the step's output; Outcomes the outcomes it can complete with.
	Outputs  actions.Type
	Outcomes []string
	Pauses   bool
	Terminal bool
	// Line and Col locate the step's id in the file.
	Line, Col int
}

// CatchAny is the `catch:` key that matches every error code.
const CatchAny = "any"

// Retry is a step's retry policy. Attempts counts every run, the first included; 0 or 1 means no
// retry.
type Retry struct {
	Attempts int
	// Backoff is the delay before the second attempt; it doubles for each further one.
	Backoff  time.Duration
	MaxDelay time.Duration
	// Jitter spreads each delay randomly by up to this fraction (0 to 1) either way.
	Jitter float64
}

// Branch is one entry of `next:`.
type Branch struct {
	// When is nil for the default branch.
	When *Condition
	Goto string
	Line int
	Col  int
}

// Condition is a compiled boolean expression.
type Condition struct{ expr *expression.Expr }

// Source returns the condition as written.
func (c *Condition) Source() string { return c.expr.Source }

// Reads returns the variables and member paths the condition reads, e.g. "form.plan".
func (c *Condition) Reads() []string { return c.expr.Reads() }

// Line returns the line of the condition in the flow file.
func (c *Condition) Line() int { return c.expr.Line }

// Eval evaluates the condition in scope.
func (c *Condition) Eval(scope map[string]any) (bool, error) { return c.expr.EvalBool(scope) }

// Step returns the step with the given id.
func (f *Flow) Step(id string) (*Step, bool) {
	s, ok := f.byID[id]
	return s, ok
}

// IsSecretField reports whether a screen field of this flow is declared secret.
func (f *Flow) IsSecretField(name string) bool { return f.secrets[name] }
