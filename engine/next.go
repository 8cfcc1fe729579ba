package engine

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/store"
)

// A transition runs its steps within runBudget and then writes within writeBudget, on a context
// that the caller going away does not cancel (a committed step is never lost to a dropped
// connection). claimHold, how long a claim lasts when its holder dies, exceeds both together, and
// a write needs the claim's token, so a transition that overran its claim cannot write.
const (
	runBudget   = 60 * time.Second
	writeBudget = 10 * time.Second
	claimHold   = 2 * time.Minute
)

// Next advances a paused execution with an interaction (a button of the current screen, or the
// callback of a redirect) and the single-use nonce of the current pause. The nonce is claimed
// atomically when the record is read, so of several requests with the same nonce exactly one runs
// and the others get ErrConflict without running any action; the new state is written with a
// compare-and-set. Two Redis round trips, besides what the actions do.
func (e *Engine) Next(ctx context.Context, executionID string, req NextRequest) (*Response, error) {
	if req.Interaction == actions.InteractionCallback {
		return nil, badInput(map[string]string{"interaction": fmt.Sprintf("%q is reserved: a redirect resumes only through its callback", actions.InteractionCallback)})
	}
	if outside(req.Interaction) {
		return nil, badInput(map[string]string{"interaction": fmt.Sprintf("%q is reserved: a wait resumes only through its signal", req.Interaction)})
	}
	return e.advance(ctx, executionID, req)
}

// ResumeCallback resumes an execution paused at a redirect with what its callback reported. Only
// the component that owns the redirect's single-use state may call it (the OAuth callback handler:
// the pause's nonce travels inside that state, and responses never give it to the browser), so a
// client cannot answer a redirect with a made-up result. binding is the browser the callback came
// from, checked against the execution's binding.
func (e *Engine) ResumeCallback(ctx context.Context, req CallbackRequest) (*Response, error) {
	return e.advance(ctx, req.ExecutionID, NextRequest{StepID: req.StepID, Interaction: actions.InteractionCallback,
		Input: req.Input, Nonce: req.Nonce, Binding: req.Binding})
}

func (e *Engine) advance(ctx context.Context, executionID string, req NextRequest) (*Response, error) {
	c, err := e.claim(ctx, executionID, req.Nonce)
	if err != nil {
		return nil, err
	}
	rec, now := c.rec, e.clock.Now().UTC()
	if req.Interaction == actions.InteractionTimeout && rec.Pause != nil && rec.Pause.Wait != nil && rec.Status == StatusWaiting {
		// A wait that timed out while nobody looked continues now, with its time to live again.
		rec.ExpiresAt = now.Add(rec.ExpiresAt.Sub(rec.Pause.Wait.Until))
	}
	switch {
	case rec.Status == StatusWaiting && now.After(rec.ExpiresAt):
		c.release()
		return nil, &ExpiredError{ExecutionID: rec.ID, FlowID: rec.FlowID, ExpiredAt: rec.ExpiresAt, Input: rec.rootInput()}
	case rec.Status != StatusWaiting:
		return nil, conflict("the execution is " + string(rec.Status))
	case c.token == "":
		return nil, conflict("the nonce is stale or already used")
	case rec.Pending:
		c.release()
		return nil, conflict("the execution waits for its browser to open its link")
	case req.StepID != "" && req.StepID != rec.stepPath():
		c.release()
		return nil, conflict(fmt.Sprintf("the execution is at step %q, not %q", rec.stepPath(), req.StepID))
	case rec.Binding != "" && !outside(req.Interaction) && !sameBinding(rec.Binding, req.Binding):
		c.release()
		return nil, fmt.Errorf("advance execution %q: %w", executionID, ErrWrongBrowser)
	}
	t, err := c.transition(ctx)
	if err != nil {
		return c.failVersion(ctx, err)
	}
	resume, err := t.resume(req)
	if err != nil {
		c.release()
		return nil, err
	}
	if resume != nil {
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), runBudget)
		t.run(runCtx, resume)
		cancel()
	}
	return c.commit(ctx, t)
}

// claimed is an execution this request holds the claim of.
type claimed struct {
	e     *Engine
	id    string
	rec   *record
	token string
	// timed: the execution was paused at a wait with a timeout when claimed.
	timed bool
}

// claim reads an execution and claims it when nonce matches (store.AnyNonce: whatever the nonce).
func (e *Engine) claim(ctx context.Context, executionID, nonce string) (*claimed, error) {
	x, token, err := e.store.ClaimExecution(ctx, executionID, nonce, claimHold)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("execution %q: %w", executionID, ErrExecutionNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("claim execution %q: %w", executionID, err)
	}
	rec, err := decodeRecord(x)
	if err != nil {
		if token != "" {
			_ = e.store.ReleaseExecution(context.WithoutCancel(ctx), executionID, token)
		}
		return nil, err
	}
	_, timed := timedWait(rec)
	return &claimed{e: e, id: executionID, rec: rec, token: token, timed: timed}, nil
}

// release ends the claim without writing.
func (c *claimed) release() {
	if c.token == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeBudget)
	defer cancel()
	if err := c.e.store.ReleaseExecution(ctx, c.id, c.token); err != nil {
		c.e.log.Warn("release execution claim", "execution", c.id, "error", err)
	}
}

// transition prepares a transition on the flow version the execution is pinned to.
func (c *claimed) transition(ctx context.Context) (*transition, error) {
	id, hash := c.rec.current()
	f, err := c.e.version(ctx, id, hash)
	if err != nil {
		return nil, err
	}
	return &transition{e: c.e, f: f, rec: c.rec, now: c.e.clock.Now().UTC()}, nil
}

// failVersion answers a transition whose flow version cannot be loaded: when its source is gone
// the execution fails for good (it can never continue), otherwise the claim is released.
func (c *claimed) failVersion(ctx context.Context, err error) (*Response, error) {
	if !errors.Is(err, store.ErrNotFound) {
		c.release()
		return nil, err
	}
	c.e.log.Error("flow version unavailable", "execution", c.id, "flow", c.rec.FlowID, "hash", c.rec.FlowHash)
	t := &transition{e: c.e, rec: c.rec, now: c.e.clock.Now().UTC()}
	t.failExecution(c.rec.StepID, &ErrorInfo{Code: "flow_version_unavailable", Message: "This flow has changed and the version this execution started on is no longer available. Start it again."})
	return c.commit(ctx, t)
}

// commit writes the transition's state and events with the claim, in one round trip.
func (c *claimed) commit(ctx context.Context, t *transition) (*Response, error) {
	data, events, err := t.encode()
	if err != nil {
		c.release()
		return nil, err
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeBudget)
	defer cancel()
	u := store.ExecutionUpdate{ID: c.id, Rev: c.rec.rev, Claim: c.token,
		Data: data, Nonce: c.rec.nonce, TTL: c.e.keep(c.rec), Events: events, MaxEvents: c.e.opts.MaxEvents}
	if c.rec.finished() {
		u.DropLink = c.rec.link
	}
	if _, err := c.e.store.UpdateExecution(wctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, conflict("another request advanced the execution first")
		}
		return nil, fmt.Errorf("advance execution %q: %w", c.id, err)
	}
	c.e.announce(ctx, t.rec, false)
	c.e.followWait(ctx, t.rec, c.timed)
	t.observeEnd()
	return t.response(), nil
}

// resume checks the answer to the current pause. For a screen it checks the button and the fields;
// when fields are wrong it re-shows the screen with a message next to each (a transition with a new
// nonce, returning nil).
func (t *transition) resume(req NextRequest) (*actions.Resume, error) {
	p := t.rec.Pause
	if p == nil {
		return nil, conflict("the execution is not paused")
	}
	if p.Wait != nil {
		return resumeWait(p.Wait, req)
	}
	if outside(req.Interaction) {
		return nil, badInput(map[string]string{"interaction": "the execution is not waiting for a signal"})
	}
	if p.Screen == nil {
		if req.Interaction != actions.InteractionCallback {
			return nil, badInput(map[string]string{"interaction": "the execution waits for a redirect to come back; its callback resumes it"})
		}
		return &actions.Resume{Interaction: req.Interaction, Input: req.Input}, nil
	}
	if req.Interaction == actions.InteractionCallback {
		return nil, badInput(map[string]string{"interaction": "the execution waits at a screen, not a redirect"})
	}
	btn, ok := p.Screen.Button(req.Interaction)
	if !ok {
		ids := make([]string, len(p.Screen.Buttons))
		for i, b := range p.Screen.Buttons {
			ids[i] = b.ID
		}
		return nil, badInput(map[string]string{"interaction": fmt.Sprintf("must be one of the screen's buttons %v", ids)})
	}
	if unknown := p.Screen.UnknownInput(req.Input); unknown != nil {
		return nil, badInput(unknown)
	}
	values, problems := p.Screen.ReadInput(req.Input)
	if btn.NoValidate {
		problems = nil
	}
	if len(problems) > 0 {
		s := *p.Screen
		s.Messages = append(withoutFieldMessages(s.Messages), problems...)
		keepTyped(&s, values, req.Input)
		t.rec.Pause = &pause{Screen: &s, State: p.State}
		t.rec.nonce = randomString(18)
		fields := make([]string, len(problems))
		for i, m := range problems {
			fields[i] = m.Field
		}
		t.emit(t.rec.StepID, InputRejectedEvent{Fields: fields})
		return nil, nil
	}
	return &actions.Resume{Interaction: btn.ID, Input: values}, nil
}

// withoutFieldMessages drops the field messages of an earlier attempt.
func withoutFieldMessages(ms []actions.Message) []actions.Message {
	var out []actions.Message
	for _, m := range ms {
		if m.Field == "" {
			out = append(out, m)
		}
	}
	return out
}

// keepTyped pre-fills the re-shown screen with what the user sent (never secrets): the read
// value of an accepted field, and the answer as sent of a refused one, so that a required box the
// user unticked does not come back ticked next to its message.
func keepTyped(s *actions.Screen, values, input map[string]any) {
	fields := make([]actions.Field, len(s.Fields))
	copy(fields, s.Fields)
	for i, f := range fields {
		if f.Secret {
			continue
		}
		if v, ok := values[f.Name]; ok {
			fields[i].Value = v
		} else if v, ok := showable(input[f.Name]); ok {
			fields[i].Value = v
		}
	}
	s.Fields = fields
}

// showable returns a refused answer as a field's value when a form can show it again: a string,
// a bool, or a list of strings.
func showable(v any) (any, bool) {
	switch x := v.(type) {
	case string, bool:
		return x, true
	case []string:
		return slices.Clone(x), true
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return nil, false
			}
		}
		return slices.Clone(x), true
	}
	return nil, false
}

func sameBinding(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func decodeRecord(x store.Execution) (*record, error) {
	var rec record
	if err := json.Unmarshal(x.Data, &rec); err != nil {
		return nil, fmt.Errorf("decode execution: %w", err)
	}
	rec.rev = x.Rev
	rec.nonce = x.Nonce
	rec.link = x.Link
	if rec.Results == nil {
		rec.Results = map[string]map[string]any{}
	}
	return &rec, nil
}
