package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/store"
)

// Bind binds a waiting execution to a browser: from then on only requests carrying the same binding
// advance it, and OAuth consents it starts complete only in that browser. A host calls it when a
// browser opens the execution's one-time link. Binding an execution again to the same browser is a
// no-op; to another browser it fails with ErrWrongBrowser. It returns the execution with its
// current nonce, for the browser to continue.
func (e *Engine) Bind(ctx context.Context, executionID, binding string) (*Response, error) {
	if binding == "" {
		return nil, errors.New("engine: bind execution: empty binding")
	}
	c, err := e.claim(ctx, executionID, store.AnyNonce)
	if err != nil {
		return nil, err
	}
	rec := c.rec
	switch {
	case rec.Status == StatusWaiting && e.clock.Now().After(rec.ExpiresAt):
		c.release()
		return nil, &ExpiredError{ExecutionID: rec.ID, FlowID: rec.FlowID, ExpiredAt: rec.ExpiresAt, Input: rec.rootInput()}
	case rec.Binding != "" && !sameBinding(rec.Binding, binding):
		c.release()
		return nil, fmt.Errorf("bind execution %q: %w", executionID, ErrWrongBrowser)
	case rec.Binding != "":
		c.release()
		return rec.response(true), nil
	case c.token == "":
		return nil, conflict("another request is advancing the execution")
	}
	rec.Binding = binding
	t := &transition{e: e, rec: rec, now: e.clock.Now().UTC()}
	if rec.Pending {
		// A deferred execution runs its first steps now, in its browser.
		if t, err = c.transition(ctx); err != nil {
			return c.failVersion(ctx, err)
		}
		t.emit(rec.StepID, BoundEvent{})
		rec.Pending = false
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), runBudget)
		t.run(runCtx, nil)
		cancel()
	} else {
		t.emit(rec.StepID, BoundEvent{})
	}
	return c.commit(ctx, t)
}

// BindingOf reports whether an execution is bound to the given browser, for hosts that render its
// pages: it returns ErrWrongBrowser when bound to another or to none.
func (e *Engine) BindingOf(ctx context.Context, executionID, binding string) (*Response, error) {
	if _, err := e.settleWait(ctx, executionID); err != nil && !errors.Is(err, ErrExpired) {
		return nil, err
	}
	rec, err := e.load(ctx, executionID)
	if err != nil {
		return nil, err
	}
	if rec.Binding == "" || !sameBinding(rec.Binding, binding) {
		return nil, fmt.Errorf("execution %q: %w", executionID, ErrWrongBrowser)
	}
	return rec.response(true), nil
}
