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
		if !ae.Retryable || attempt >= attempts || ctx.Err() != nil {
			return res, err
		}
		delay := backoff(step.Retry, attempt)
		t.event(EventStepRetried, step.ID, map[string]any{"attempt": attempt, "code": ae.Code, "delayMs": delay.Milliseconds()})
		t.observe(step, "retried")
		if err := t.e.clock.Sleep(ctx, delay); err != nil {
			return res, ae
		}
	}
}

func (t *transition) runOnce(ctx context.Context, step *flows.Step, call *actions.Call, timeout time.Duration) (res actions.Result, err error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			t.e.log.Error("action panicked", "execution", call.ExecutionID, "step", step.ID, "action", step.Kind.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			res, err = actions.Result{}, &actions.Error{Code: actions.CodeInternal, Message: "the step failed"}
		}
	}()
	res, err = step.Action.Run(cctx, call)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return res, &actions.Error{Code: actions.CodeTimeout, Message: fmt.Sprintf("Step %s took longer than %s.", step.ID, timeout), Retryable: true, Err: err}
	}
	if err == nil && cctx.Err() != nil && ctx.Err() == nil {
		return res, &actions.Error{Code: actions.CodeTimeout, Message: fmt.Sprintf("Step %s took longer than %s.", step.ID, timeout), Retryable: true}
	}
	return res, err
}

// backoff is the delay before attempt+1: Backoff doubled per attempt, capped at MaxDelay, spread by
// Jitter.
func backoff(r flows.Retry, attempt int) time.Duration {
	d := r.Backoff
	for i := 1; i < attempt && d < r.MaxDelay; i++ {
		d *= 2
	}
	if r.MaxDelay > 0 && d > r.MaxDelay {
		d = r.MaxDelay
	}
	if r.Jitter > 0 {
		spread := (rand.Float64()*2 - 1) * r.Jitter
		d = time.Duration(float64(d) * (1 + spread))
	}
	return max(d, 0)
}
