package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
)

// CodeAbandoned fails a step that was still running when its request's time ran out.
const CodeAbandoned = "abandoned"

// runStep runs a step's action under its timeout, retrying retryable failures with exponential
// backoff and jitter as its retry policy says. A panicking action fails the step; it never takes the
// process down.
func (t *transition) runStep(ctx context.Context, step *flows.Step, call *actions.Call) (actions.Result, error) {
	timeout := step.Timeout
	if timeout <= 0 {
		timeout = t.e.opts.StepTimeout
	}
	attempts := max(step.Retry.Attempts, 1)
	for attempt := 1; ; attempt++ {
		call.Attempt = attempt
		start := time.Now()
		res, err := t.runOnce(ctx, step, call, timeout)
		t.took = time.Since(start)
		if err == nil {
			return res, nil
		}
		ae := actions.AsError(err)
		if !retryable(err) || attempt >= attempts || ctx.Err() != nil {
			return res, err
		}
		delay := backoff(step.Retry, attempt)
		t.emit(step.ID, StepRetriedEvent{Attempt: attempt, Code: ae.Code, DelayMs: delay.Milliseconds()})
		t.observe(step, "retried")
		if err := t.e.clock.Sleep(ctx, delay); err != nil {
			return res, ae
		}
	}
}

// retryable reports whether a retry policy may run a step again after err: only failures the
// action marks retryable (an *actions.Error with Retryable, such as a provider outage) and
// timeouts. Other errors (a bug, a failing expression) would fail again.
func retryable(err error) bool {
	var ae *actions.Error
	return errors.As(err, &ae) && ae.Retryable
}

// runOnce runs the action once under the step's timeout. The action runs on its own goroutine with
// its own copy of the call, so an action that ignores its context is abandoned at the timeout (its
// late result is dropped) instead of holding the execution. A kind marked Inline (no I/O, it only
// evaluates its settings, each evaluation within its budget) runs on the calling goroutine.
func (t *transition) runOnce(ctx context.Context, step *flows.Step, call *actions.Call, timeout time.Duration) (actions.Result, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	timedOut := func(cause error) error {
		return &actions.Error{Code: actions.CodeTimeout, Message: fmt.Sprintf("Step %s took longer than %s.", step.ID, timeout), Retryable: true, Err: cause}
	}
	settle := func(o runOutcome) (actions.Result, error) {
		call.Keep(o.run)
		switch {
		case o.err != nil && errors.Is(o.err, context.DeadlineExceeded) && ctx.Err() == nil:
			return o.res, timedOut(o.err)
		case o.err == nil && cctx.Err() != nil && ctx.Err() == nil:
			return o.res, timedOut(nil)
		}
		return o.res, o.err
	}
	attempt := call.ForRun()
	if step.Kind.Inline {
		return settle(t.runAttempt(cctx, step, attempt))
	}
	done := make(chan runOutcome, 1)
	go func() { done <- t.runAttempt(cctx, step, attempt) }()
	select {
	case o := <-done:
		return settle(o)
	case <-cctx.Done():
		if ctx.Err() != nil {
			return actions.Result{}, &actions.Error{Code: CodeAbandoned, Message: "The request ran out of time.", Err: ctx.Err()}
		}
		t.e.log.Warn("action ignored its timeout and was abandoned", "execution", call.ExecutionID, "step", step.ID, "action", step.Kind.Name)
		return actions.Result{}, timedOut(cctx.Err())
	}
}

// runOutcome is what one run of an action returned, with the call it ran on (and the events it
// emitted there).
type runOutcome struct {
	res actions.Result
	err error
	run *actions.Call
}

// runAttempt runs the action once on attempt, turning a panic into an internal error.
func (t *transition) runAttempt(ctx context.Context, step *flows.Step, attempt *actions.Call) (o runOutcome) {
	defer func() {
		if r := recover(); r != nil {
			t.e.log.Error("action panicked", "execution", attempt.ExecutionID, "step", step.ID, "action", step.Kind.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			o = runOutcome{err: &actions.Error{Code: actions.CodeInternal, Message: "the step failed"}}
		}
	}()
	o.run = attempt
	o.res, o.err = step.Action.Run(ctx, attempt)
	return o
}

// backoff is the delay before attempt+1: Backoff doubled per attempt, spread by Jitter, capped at
// MaxDelay.
func backoff(r flows.Retry, attempt int) time.Duration {
	d := r.Backoff
	for i := 1; i < attempt && d < r.MaxDelay; i++ {
		d *= 2
	}
	if r.Jitter > 0 {
		spread := (rand.Float64()*2 - 1) * r.Jitter
		d = time.Duration(float64(d) * (1 + spread))
	}
	if r.MaxDelay > 0 && d > r.MaxDelay {
		d = r.MaxDelay
	}
	return max(d, 0)
}
