// Package actions defines the contract every flow action implements, the typed configuration an
// action's `with:` block decodes into, and the Registry that maps action kinds to their definitions.
//
// The Registry is a value: hosts create one, wire the built-in kinds with one explicit call (see
// package builtin) and add their own with Registry.Add. Nothing registers itself.
//
// The package needs more than 120 exported identifiers (about 130, methods included) for a
// reason: it is the SDK a host writes its own actions against. Each name is one a host's action
// uses: the Kind with its capability flags, the Context a Run receives with its request and
// result types, the field and value types of `with:` blocks and screens, and the one field-error
// type of the library. Splitting it would make a host import several packages to write one action.
package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Action runs one step of a flow. It is built once per step when the flow loads and is called
// concurrently for every execution, so per-run state lives in the Call (and in Result.State across
// pauses), never in the Action.
type Action interface {
	Run(ctx context.Context, call *Call) (Result, error)
}

// ActionFunc adapts a function to the Action interface.
type ActionFunc func(ctx context.Context, call *Call) (Result, error)

// Run calls f.
func (f ActionFunc) Run(ctx context.Context, call *Call) (Result, error) { return f(ctx, call) }

// Subject is who an execution runs for: an end user, a tenant, or a user within a tenant.
type Subject struct {
	UserID   string `json:"userId,omitempty"`
	TenantID string `json:"tenantId,omitempty"`
}

// IsZero reports whether neither a user nor a tenant is set.
func (s Subject) IsZero() bool { return s.UserID == "" && s.TenantID == "" }

// Call is everything an action sees when it runs.
type Call struct {
	ExecutionID string
	FlowID      string
	StepID      string
	Subject     Subject
	// Attempt counts runs of this step in the current request, from 1; it grows when a retry policy
	// runs the step again.
	Attempt int
	// Now is the engine clock's time when the step started.
	Now time.Time
	// Scope is the expression environment of the step (input, steps, form, interaction, user, tenant,
	// now). Read it through Value.Get; do not modify it.
	Scope map[string]any
	// Resume is set when the step continues after its own pause; nil on the first run.
	Resume *Resume
	// State is what the action returned in Result.State with its last pause (nil on the first run).
	State json.RawMessage
	// Nonce is the single-use credential that resumes this execution if this step pauses. An action
	// that redirects keeps it with its own single-use state (e.g. the OAuth state) so the callback can
	// resume the execution.
	Nonce string
	// Binding is an opaque id of the browser the execution is bound to ("" when none). An action
	// that sends the browser away and back (OAuth consent) binds its callback to it, so the
	// callback only completes in that browser.
	Binding string
	// Logger is scoped to the execution and step. Never log secrets.
	Logger *slog.Logger

	events []Event
}

// Resume carries what ended a pause.
type Resume struct {
	// Interaction is the id of the button pressed on a screen, or InteractionCallback when a redirect
	// came back.
	Interaction string
	// Input holds the typed, validated screen values (secret ones included: they are never persisted),
	// or the data of a callback.
	Input map[string]any
}

// InteractionCallback is the interaction id of a resume that follows a redirect.
const InteractionCallback = "callback"

// Event is an entry an action adds to its execution's event log: its type and its data in JSON
// form. Data must not hold secrets.
type Event struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data,omitempty"`
	// err is why the emitted value could not become Data.
	err error
}

// Err reports why the data Emit was given could not be put in JSON form (Data is then nil), or
// nil. The engine logs it and keeps the event with a note that its data was dropped.
func (e Event) Err() error { return e.err }

// EventData is the data of one type of event an action adds: a struct whose json-tagged fields are
// the event's data and whose EventType names it, so writers and readers share one declaration.
type EventData interface{ EventType() string }

// Emit adds an event of type d.EventType() to the execution's event log, written with the step's
// transition; its data is d in JSON form. Data JSON cannot hold (a NaN, a channel) is dropped: the
// event keeps its place in the log without it (see Event.Err).
func (c *Call) Emit(d EventData) {
	ev := Event{Type: d.EventType()}
	ev.Data, ev.err = eventData(d)
	c.events = append(c.events, ev)
}

// eventData is d in JSON form.
func eventData(d EventData) (map[string]any, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("actions: the data of event %q is not a JSON object", d.EventType())
	}
	return m, nil
}

// Keep adds to c the events that run, a copy of c from ForRun, emitted: the engine calls it for
// the run whose result it keeps. A nil run adds none.
func (c *Call) Keep(run *Call) {
	if run != nil {
		c.events = append(c.events, run.events...)
	}
}

// Emitted returns the events added by Emit.
func (c *Call) Emitted() []Event { return c.events }

// Success is the outcome of a step that completed without naming another.
const Success = "success"

// Result is what a run of an action produced: a completion (Outcome, Output), a pause (Screen or
// RedirectURL, with State kept until the resume), or the end of the flow (Finish).
type Result struct {
	// Outcome picks the step's next edge; "" means Success.
	Outcome string
	// Output is readable by later steps as steps.<id>.output. It is persisted with the execution and
	// shown in events: never put a secret in it.
	Output map[string]any
	// Redact names keys of Output that later steps read but the event log (and so every
	// explanation) shows as redacted: an API's answer that may hold personal data.
	Redact []string
	// Screen pauses the execution at a screen.
	Screen *Screen
	// RedirectURL pauses the execution at a redirect (e.g. OAuth consent).
	RedirectURL string
	// State is kept with the pause and handed back in Call.State on resume. It is stored as JSON in
	// the execution record: no secrets.
	State any
	// Finish ends the flow with Output as the flow's output. With Finish, Screen (if any) is the
	// finished page and FinishRedirect where the browser goes next.
	Finish         bool
	FinishRedirect string
	// Enter runs another flow inside the execution; the step completes when it ends (see Enter).
	Enter *Enter
	// Wait pauses the execution until an outside system signals it (see Wait).
	Wait *Wait
}

// Done completes the step with an outcome and an output.
func Done(outcome string, output map[string]any) Result {
	return Result{Outcome: outcome, Output: output}
}

// DoneWith completes the step with an outcome and an output given as a Go value, typically the
// struct whose TypeOf the kind declares as its Outputs, so the declaration and what the action
// returns are one type. The value is converted to its JSON form (keys from its json tags, times in
// RFC 3339); it must be an object. The engine still checks the result against the declaration.
func DoneWith(outcome string, output any) (Result, error) {
	if m, ok := output.(map[string]any); ok {
		return Done(outcome, m), nil
	}
	b, err := json.Marshal(output)
	if err != nil {
		return Result{}, fmt.Errorf("actions: output of outcome %q: %w", outcome, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return Result{}, fmt.Errorf("actions: output of outcome %q must be an object (a struct or a map), got %T", outcome, output)
	}
	return Done(outcome, m), nil
}

// ShowScreen pauses the step at a screen, keeping state until the user answers.
func ShowScreen(s Screen, state any) Result { return Result{Screen: &s, State: state} }

// RedirectTo pauses the step at a redirect, keeping state until the callback resumes it.
func RedirectTo(url string, state any) Result { return Result{RedirectURL: url, State: state} }

// Pauses reports whether r pauses the execution.
func (r Result) Pauses() bool {
	return !r.Finish && r.Enter == nil && (r.Screen != nil || r.RedirectURL != "" || r.Wait != nil)
}

// ForRun returns a copy of c for one run of its action, with no events emitted yet. An engine that
// may abandon a run (an action that ignores its timeout) gives the run a copy, so the run cannot
// touch the call the engine goes on with.
func (c *Call) ForRun() *Call {
	cp := *c
	cp.events = nil
	return &cp
}
