package actions

import (
	"context"
	"fmt"
)

// Kind declares an action kind: what `action:` names, what `with:` decodes into, what the action
// outputs and which outcomes it can complete with.
type Kind struct {
	// Name is what flows write after `action:`: dot-separated lowercase names such as "screen" or
	// "outbound.connect".
	Name string
	// Doc describes the kind in one or two sentences (schema and docs).
	Doc string
	// Outputs is the shape of Result.Output; expressions reading steps.<id>.output are checked
	// against it when the flow loads, and every output is checked against it when the step runs:
	// an unknown key or a value of another type fails the step with CodeOutput. A declared key the
	// output leaves out reads as its zero value. A config implementing OutputsDeclarer refines it.
	Outputs Type
	// Outcomes lists the named outcomes besides Success. A config implementing OutcomesDeclarer
	// refines it.
	Outcomes []string
	// NamedOutcomesOnly is true when every run completes with one of Outcomes, never with
	// Success: a step of the kind then needs a way out for those outcomes only.
	NamedOutcomesOnly bool
	// Errors lists the error codes the kind may raise, for `catch:` documentation and lint.
	Errors []string
	// Pauses is true when a step of this kind can pause (screen or redirect). A loop through steps
	// that cannot pause is a load error.
	Pauses bool
	// Terminal is true when the kind ends the flow (end) or fails it (fail): such a step needs no
	// way out.
	Terminal bool
	// Fails is true when every run of the kind raises an error (fail): diagrams draw its steps as
	// failures. It describes the kind, it does not make it fail; a kind that Fails is Terminal.
	Fails bool
	// ReadsSecretInput is true when the values of a paused step's secret fields may reach the
	// expressions evaluated after it (such as its `next:` conditions), during the request that
	// submits them only: they are never stored. Leave it false for a kind that collects a secret
	// for itself, such as an API key it seals.
	ReadsSecretInput bool
	// Inline is true when the kind does no I/O and returns promptly (it only evaluates its
	// settings, each evaluation bounded in bytes and in predicate runs): the engine runs it on the calling goroutine instead of giving it its own, and does
	// not need to abandon it at a timeout. Leave it false for anything that waits on the network or
	// on a lock.
	Inline bool
	// NewConfig returns a pointer to a new zero config that `with:` decodes into strictly; nil
	// means the kind takes no `with:`.
	NewConfig func() any
	// Build turns a decoded and validated config into the Action that runs the step. It is called
	// once per step when the flow loads.
	Build func(config any) (Action, error)
}

// Validator is implemented by configs that check themselves after decoding, when the flow loads.
// Return *FieldError values (joined with errors.Join for several) to point at fields.
type Validator interface {
	Validate() error
}

// OutputsDeclarer is implemented by configs whose outputs depend on the config (e.g. a screen's
// fields).
type OutputsDeclarer interface {
	DeclareOutputs() Type
}

// OutcomesDeclarer is implemented by configs whose outcomes depend on the config (e.g. a screen's
// buttons). The list replaces Kind.Outcomes.
type OutcomesDeclarer interface {
	DeclareOutcomes() []string
}

// Define returns k with a typed config C: `with:` decodes strictly into a *C, and run is called with
// it on every run.
func Define[C any](k Kind, run func(ctx context.Context, call *Call, cfg *C) (Result, error)) Kind {
	k.NewConfig = func() any { return new(C) }
	k.Build = func(config any) (Action, error) {
		cfg, ok := config.(*C)
		if !ok {
			return nil, fmt.Errorf("actions: action %q: config is %T, want *%T", k.Name, config, *new(C))
		}
		return ActionFunc(func(ctx context.Context, call *Call) (Result, error) {
			return run(ctx, call, cfg)
		}), nil
	}
	return k
}

// OutputsOf returns the outputs of a step of kind k configured with cfg.
func (k Kind) OutputsOf(cfg any) Type {
	if d, ok := cfg.(OutputsDeclarer); ok {
		return d.DeclareOutputs()
	}
	return k.Outputs
}

// OutcomesOf returns the outcomes a step of kind k configured with cfg can complete with, Success
// included unless the config declares its own list.
func (k Kind) OutcomesOf(cfg any) []string {
	if d, ok := cfg.(OutcomesDeclarer); ok {
		return d.DeclareOutcomes()
	}
	if k.NamedOutcomesOnly {
		return append([]string(nil), k.Outcomes...)
	}
	return append([]string{Success}, k.Outcomes...)
}
