package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/outflowhq/outflow/actions"
)

// ActionWait is the Response.Action of an execution paused at a wait step: it waits for an
// outside system to signal it (see Engine.Signal).
const ActionWait = "wait"

// WaitInfo says what a waiting execution waits for. The engine never puts the wait's token in
// it; a host adds Token and CallbackURL for its backend only (see Engine.WaitToken).
type WaitInfo struct {
	For         string     `json:"for"`
	Until       *time.Time `json:"until,omitempty"`
	Token       string     `json:"token,omitempty"`
	CallbackURL string     `json:"callbackUrl,omitempty"`
}

// SignalRequest resumes an execution paused at a wait step.
type SignalRequest struct {
	// Token is the wait's single-use token (see Engine.WaitToken).
	Token string
	// Payload is checked against the payload the wait step declares.
	Payload map[string]any
}

// outside reports whether an interaction comes from outside the browser (a signal, a timeout),
// so the execution's browser binding does not apply to it.
func outside(interaction string) bool {
	return interaction == actions.InteractionSignal || interaction == actions.InteractionTimeout
}

// Signal resumes an execution paused at a wait step with the wait's token and a payload, on any
// instance. A token that is not the current wait's (replayed, forged, or the wait already
// answered or timed out) changes nothing and fails with ErrConflict; a payload that does not match
// the step's declared payload fails with an *outbound.InvalidError and leaves the token valid.
func (e *Engine) Signal(ctx context.Context, executionID string, req SignalRequest) (*Response, error) {
	if req.Token == "" {
		return nil, badInput(map[string]string{"token": "is required: send the wait's token"})
	}
	if _, err := e.settleWait(ctx, executionID); err != nil && !errors.Is(err, ErrExpired) {
		return nil, err
	}
	resp, err := e.advance(ctx, executionID, NextRequest{Interaction: actions.InteractionSignal, Input: req.Payload, Nonce: req.Token})
	if err != nil {
		return nil, err
	}
	resp.Nonce = ""
	return resp, nil
}

// WaitToken returns the single-use token of the wait an execution is paused at, for the backend
// that hands it to the outside system ("" when the execution is not waiting for a signal). Never
// give it to the browser: whoever holds it answers the wait.
func (e *Engine) WaitToken(ctx context.Context, executionID string) (string, error) {
	rec, err := e.load(ctx, executionID)
	if err != nil {
		return "", err
	}
	if rec.Status != StatusWaiting || rec.Pause == nil || rec.Pause.Wait == nil {
		return "", nil
	}
	return rec.nonce, nil
}

// settleWait times out the wait an execution is paused at when its time has come, and reports
// whether it did. The worker times waits out when they are due (see TimeoutDue); a read or a
// signal after that time does it too, so a wait never outlives its timeout where no worker runs.
func (e *Engine) settleWait(ctx context.Context, executionID string) (bool, error) {
	rec, err := e.load(ctx, executionID)
	if err != nil {
		return false, err
	}
	return e.settle(ctx, rec)
}

// settle times out the wait rec is paused at when its time has come; false without an error when
// it is not due or another request answered, timed out or holds the execution.
func (e *Engine) settle(ctx context.Context, rec *record) (bool, error) {
	// A paused execution read after its expiry reads as expired; its wait still timed out first.
	until, ok := timedWait(rec)
	if !ok || e.clock.Now().Before(until) {
		return false, nil
	}
	_, err := e.advance(ctx, rec.ID, NextRequest{Interaction: actions.InteractionTimeout, Nonce: rec.nonce})
	if errors.Is(err, ErrConflict) {
		return false, nil // another request answered or timed it out first
	}
	return err == nil, err
}

// resumeWait checks the answer to a wait: a signal's payload against the declared payload (every
// field required, no other), or the timeout.
func resumeWait(w *actions.Wait, req NextRequest) (*actions.Resume, error) {
	if req.Interaction == actions.InteractionTimeout {
		return &actions.Resume{Interaction: req.Interaction}, nil
	}
	if req.Interaction != actions.InteractionSignal {
		return nil, badInput(map[string]string{"interaction": "the execution waits for a signal (POST /v1/executions/{id}/signal)"})
	}
	problems := map[string]string{}
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(w.Payload.Fields)) {
		v, ok := req.Input[k]
		if !ok || v == nil {
			problems["payload."+k] = "is required"
			continue
		}
		c, err := w.Payload.Fields[k].Coerce(v)
		if err != nil {
			problems["payload."+k] = err.Error()
			continue
		}
		out[k] = c
	}
	for k := range req.Input {
		if _, ok := w.Payload.Fields[k]; !ok {
			problems["payload."+k] = fmt.Sprintf("is not a field of the payload this step waits for (%v)", w.Payload.FieldNames())
		}
	}
	if len(problems) > 0 {
		return nil, badInput(problems)
	}
	return &actions.Resume{Interaction: req.Interaction, Input: out}, nil
}
