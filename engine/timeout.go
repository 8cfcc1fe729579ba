package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// waitSchedule names the schedule of executions paused at a wait with a timeout, by when the wait
// times out, from which the worker times them out (see TimeoutDue).
const waitSchedule = "xwait"

// timeoutRetry is how long a timeout that lost to a request holding the execution waits before
// it looks again (the request may give the execution back untouched, e.g. a refused payload).
const timeoutRetry = time.Second

// timedWait returns when the wait rec is paused at times out; ok is false when rec is not paused
// at a wait with a timeout.
func timedWait(rec *record) (until time.Time, ok bool) {
	paused := rec.Status == StatusWaiting || rec.Status == StatusExpired
	if !paused || rec.Pause == nil || rec.Pause.Wait == nil || rec.Pause.Wait.Until.IsZero() {
		return time.Time{}, false
	}
	return rec.Pause.Wait.Until, true
}

// followWait keeps the wait schedule in step with a written transition: an execution now paused
// at a timed wait is scheduled for its timeout; one that was (before the transition) and no
// longer is leaves the schedule. It is written after the transition, so a process that dies in
// between leaves that wait to time out when the execution is next read. Failures are logged.
func (e *Engine) followWait(ctx context.Context, rec *record, wasTimed bool) {
	ctx = context.WithoutCancel(ctx)
	sched := e.store.Schedule(waitSchedule)
	var err error
	if until, ok := timedWait(rec); ok {
		err = sched.Add(ctx, rec.ID, until)
	} else if wasTimed {
		err = sched.Remove(ctx, rec.ID)
	}
	if err != nil {
		e.log.Warn("engine: schedule wait timeout", "execution", rec.ID, "error", err)
	}
}

// TimeoutDue times out every wait whose timeout has come, up to max, so that its execution moves
// on with the outcome "timeout" without anybody reading it, and publishes what that transition
// publishes (execution.completed or execution.failed when it ends). Any number of processes may
// call it on one Redis (the worker does): each due wait is claimed with a lease longer than a
// transition may take, and the timeout consumes the wait's single-use token like a signal, so of
// a timeout and a signal, or of two timeouts, exactly one moves the execution and the other
// changes nothing. An execution gone or no longer at a timed wait leaves the schedule. It
// returns how many waits it timed out.
func (e *Engine) TimeoutDue(ctx context.Context, max int) (int, error) {
	sched := e.store.Schedule(waitSchedule)
	claims, err := sched.Claim(ctx, e.clock.Now(), claimHold, max)
	n := 0
	for _, c := range claims {
		fired, next, terr := e.timeoutOne(ctx, c.Member)
		if terr != nil {
			_, _ = sched.Release(context.WithoutCancel(ctx), c)
			return n, terr
		}
		// When the transition scheduled another timed wait, it took the lease: Done changes nothing.
		_, _ = sched.Done(context.WithoutCancel(ctx), c, next)
		if fired {
			n++
		}
	}
	return n, err
}

// timeoutOne times out the wait of one scheduled execution when it is due, and says when to look
// at it again (zero: never).
func (e *Engine) timeoutOne(ctx context.Context, id string) (fired bool, next time.Time, err error) {
	rec, err := e.load(ctx, id)
	if errors.Is(err, ErrExecutionNotFound) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("engine: time out wait of execution %q: %w", id, err)
	}
	until, ok := timedWait(rec)
	if !ok {
		return false, time.Time{}, nil
	}
	if e.clock.Now().Before(until) {
		return false, until, nil
	}
	fired, err = e.settle(ctx, rec)
	switch {
	case errors.Is(err, ErrExpired), errors.Is(err, ErrExecutionNotFound):
		return false, time.Time{}, nil
	case err != nil:
		return false, time.Time{}, fmt.Errorf("engine: time out wait of execution %q: %w", id, err)
	case !fired:
		// A request held the execution: look again, in case it gave it back untouched.
		return false, e.clock.Now().Add(timeoutRetry), nil
	}
	return true, time.Time{}, nil
}
