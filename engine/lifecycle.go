package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
)

// expirySchedule names the schedule of waiting executions by expiry, from which the worker
// learns which ones expired (see ExpireDue).
const expirySchedule = "xexpiry"

// announce publishes execution.completed or execution.failed once a transition that finished the
// execution is written, and puts a new waiting execution on the expiry schedule. Failures are
// logged: the transition has happened.
func (e *Engine) announce(ctx context.Context, rec *record, created bool) {
	if !e.opts.PublishEvents {
		return
	}
	ctx = context.WithoutCancel(ctx)
	switch rec.Status {
	case StatusCompleted:
		e.publish(ctx, rec, events.ExecutionCompleted, "")
	case StatusFailed:
		reason := ""
		if rec.Error != nil {
			reason = rec.Error.Code
		}
		e.publish(ctx, rec, events.ExecutionFailed, reason)
	case StatusWaiting:
		if created {
			if err := e.store.Schedule(expirySchedule).Add(ctx, rec.ID, rec.ExpiresAt); err != nil {
				e.log.Warn("engine: schedule execution expiry", "execution", rec.ID, "error", err)
			}
		}
	}
}

func (e *Engine) publish(ctx context.Context, rec *record, typ events.Type, reason string) {
	ev := events.Event{Type: typ, Time: e.clock.Now(), Owner: outbound.Owner{UserID: rec.Subject.UserID, TenantID: rec.Subject.TenantID},
		ExecutionID: rec.ID, FlowID: rec.FlowID, Reason: reason}
	if _, err := events.Publish(ctx, e.store, 0, ev); err != nil {
		e.log.Warn("engine: publish execution event", "type", typ, "execution", rec.ID, "error", err)
	}
}

// ExpireDue publishes execution.expired for every waiting execution past its expiry, up to max,
// each once across every process sharing the Redis (the worker calls it). An execution that
// finished first leaves the schedule without an event. It returns how many expired.
func (e *Engine) ExpireDue(ctx context.Context, max int) (int, error) {
	sched := e.store.Schedule(expirySchedule)
	claims, err := sched.Claim(ctx, e.clock.Now(), time.Minute, max)
	n := 0
	for _, c := range claims {
		x, gerr := e.store.GetExecution(ctx, c.Member)
		switch {
		case errors.Is(gerr, store.ErrNotFound):
			_, _ = sched.Done(ctx, c, time.Time{})
			continue
		case gerr != nil:
			_, _ = sched.Release(ctx, c)
			return n, fmt.Errorf("engine: expire execution %q: %w", c.Member, gerr)
		}
		rec, derr := decodeRecord(x)
		if derr != nil {
			_, _ = sched.Done(ctx, c, time.Time{})
			continue
		}
		if rec.Status == StatusWaiting && e.clock.Now().Before(rec.ExpiresAt) {
			_, _ = sched.Done(ctx, c, rec.ExpiresAt)
			continue
		}
		if rec.Status == StatusWaiting {
			if ok, _ := sched.Done(ctx, c, time.Time{}); ok {
				e.publish(ctx, rec, events.ExecutionExpired, "expired")
				n++
			}
			continue
		}
		_, _ = sched.Done(ctx, c, time.Time{})
	}
	return n, err
}
