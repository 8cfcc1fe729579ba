package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/outflowhq/outflow/flows"
)

// Event types the engine writes to an execution's log. Actions add their own (e.g. outbound's
// "connection.created").
const (
	EventStarted       = "execution.started"
	EventStepEntered   = "step.entered"
	EventStepCompleted = "step.completed"
	EventStepPaused    = "step.paused"
	EventStepRetried   = "step.retried"
	EventStepFailed    = "step.failed"
	EventInputRejected = "step.input_rejected"
	EventBranch        = "branch"
	EventCompleted     = "execution.completed"
	EventFailed        = "execution.failed"
	// EventBound: a browser opened the execution's link and it is now bound to that browser.
	EventBound = "execution.bound"
	// EventRedirectRefused: an end step's redirect URL was not allowed and was dropped.
	EventRedirectRefused = "redirect.refused"
	// EventSubflowStarted: a step started running another flow (action: flow); the events of
	// that flow's steps name them after the step ("connect/choose").
	EventSubflowStarted = "subflow.started"
	// EventSubflowEnded: the flow a step runs ended, at an end step or with an error.
	EventSubflowEnded = "subflow.ended"
)

// Event is one entry of an execution's event log. It never holds a secret: outputs carry none by
// contract, secret screen fields are never recorded, and condition values read from secret fields
// are redacted.
type Event struct {
	Seq    int            `json:"seq"`
	At     time.Time      `json:"at"`
	Type   string         `json:"type"`
	StepID string         `json:"stepId,omitempty"`
	Data   map[string]any `json:"data,omitempty"`
	// payload is the data of an event the engine has just emitted, until it is stored.
	payload Payload
}

// Redacted stands in for a secret value in events.
const Redacted = "[redacted]"

// Events returns an execution's event log, oldest first.
func (e *Engine) Events(ctx context.Context, executionID string) ([]Event, error) {
	raw, err := e.store.ExecutionEvents(ctx, executionID)
	if err != nil {
		return nil, fmt.Errorf("read events of execution %q: %w", executionID, err)
	}
	out := make([]Event, 0, len(raw))
	for _, b := range raw {
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil {
			continue
		}
		out = append(out, ev)
	}
	return out, nil
}

// lookup reads a dotted path from a scope, redacting secret form fields.
func lookup(f *flows.Flow, scope map[string]any, path string) any {
	parts := strings.Split(path, ".")
	if len(parts) >= 2 && parts[0] == flows.ScopeForm && f.IsSecretField(parts[1]) {
		return Redacted
	}
	if path == flows.ScopeForm {
		form, _ := scope[flows.ScopeForm].(map[string]any)
		out := make(map[string]any, len(form))
		for k, v := range form {
			if f.IsSecretField(k) {
				v = Redacted
			}
			out[k] = v
		}
		return out
	}
	var cur any = scope
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	if t, ok := cur.(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return cur
}
