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
		return nil, errors.New("bind execution: empty binding")
	}
	x, err := e.store.GetExecution(ctx, executionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("execution %q: %w", executionID, ErrExecutionNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("bind execution %q: %w", executionID, err)
	}
	rec, err := decodeRecord(x)
	if err != nil {
		return nil, err
	}
	switch {
	case rec.Binding != "" && sameBinding(rec.Binding, binding):
		return rec.response(true), nil
	case rec.Binding != "":
		return nil, fmt.Errorf("bind execution %q: %w", executionID, ErrWrongBrowser)
	case rec.Status == StatusWaiting && e.clock.Now().After(rec.ExpiresAt):
		return nil, &ExpiredError{ExecutionID: rec.ID, FlowID: rec.FlowID, ExpiredAt: rec.ExpiresAt, Input: rec.Input}
	}
	rec.Binding = binding
	t := &transition{e: e, rec: rec, now: e.clock.Now().UTC()}
	t.event("execution.bound", rec.StepID, nil)
	if rec.Pending {
		// A deferred execution runs its first steps now, in its browser.
		f, err := e.version(ctx, rec.FlowID, rec.FlowHash)
		if err != nil {
			return nil, err
		}
		t.f = f
		rec.Pending = false
		t.run(ctx, nil)
	}
	data, events, err := t.encode()
	if err != nil {
		return nil, err
	}
	if _, err := e.store.UpdateExecution(ctx, rec.ID, rec.rev, data, rec.nonce, e.keep(rec), events, e.opts.MaxEvents); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, conflict("another request changed the execution first")
		}
		return nil, fmt.Errorf("bind execution %q: %w", executionID, err)
	}
	t.observeEnd()
	return rec.response(true), nil
}

// BindingOf reports whether an execution is bound to the given browser, for hosts that render its
// pages: it returns ErrWrongBrowser when bound to another or to none.
func (e *Engine) BindingOf(ctx context.Context, executionID, binding string) (*Response, error) {
	rec, err := e.load(ctx, executionID)
	if err != nil {
		return nil, err
	}
	if rec.Binding == "" || !sameBinding(rec.Binding, binding) {
		return nil, fmt.Errorf("execution %q: %w", executionID, ErrWrongBrowser)
	}
	return rec.response(true), nil
}
