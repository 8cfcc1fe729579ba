package worker

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
)

// follow keeps the schedules in step with an event: a connected or refreshed connection is
// scheduled for its next keep-alive refresh, a broken or gone one leaves the schedule; a stored
// or rotated key is scheduled for its first re-check, a deleted one leaves it.
func (w *Worker) follow(ctx context.Context, ev events.Event) {
	var err error
	switch ev.Type {
	case events.ConnectionConnected, events.ConnectionRefreshed, events.ConnectionRecovered:
		if w.cfg.Vault != nil {
			err = w.ScheduleConnection(ctx, ev.ConnectionID)
		}
	case events.ConnectionNeedsReauth, events.ConnectionDisconnected:
		err = w.refresh.Remove(ctx, ev.ConnectionID)
	case events.APIKeyStored, events.APIKeyRotated:
		err = w.scheduleKey(ctx, ev)
	case events.APIKeyDeleted:
		err = w.recheck.Remove(ctx, keyMember(ev.Owner.Kind(), ev.Owner.ID(), ev.AppID))
	}
	if err != nil {
		w.log.Warn("worker: schedule", "type", ev.Type, "error", err)
	}
}

// ScheduleConnection puts a connection on the keep-alive schedule, due RefreshLead before the
// app's refresh margin ahead of its expiry, or takes it off when its app keeps no connection
// alive (refresh.background: false) or it cannot be refreshed.
func (w *Worker) ScheduleConnection(ctx context.Context, connID string) error {
	c, err := w.cfg.Vault.Connection(ctx, connID)
	if errors.Is(err, oauth.ErrConnectionNotFound) {
		return w.refresh.Remove(ctx, connID)
	}
	if err != nil {
		return err
	}
	due, ok := w.due(ctx, c)
	if !ok {
		return w.refresh.Remove(ctx, connID)
	}
	return w.refresh.Add(ctx, connID, due)
}

// due is when a connection's keep-alive refresh is due; ok is false when it is not kept alive.
func (w *Worker) due(ctx context.Context, c *oauth.Connection) (time.Time, bool) {
	app, err := w.cfg.Apps.Get(ctx, c.AppID)
	if err != nil || !app.Refresh.BackgroundOn() || !c.HasRefreshToken || c.Status != oauth.StatusActive {
		return time.Time{}, false
	}
	return c.ExpiresAt.Add(-app.Refresh.Margin() - w.cfg.RefreshLead), true
}

// refreshLoop claims due connections and refreshes them, a few at a time.
func (w *Worker) refreshLoop(ctx context.Context) {
	w.tick(ctx, func(ctx context.Context) {
		for ctx.Err() == nil {
			claims, err := w.refresh.Claim(ctx, w.now(), w.cfg.Lease, 200)
			if err != nil && ctx.Err() == nil {
				w.log.Warn("worker: claim refreshes", "error", err)
			}
			w.each(ctx, w.refresh, claims, w.refreshOne)
			if len(claims) < 200 {
				return
			}
		}
	})
}

// each runs fn for every claim, 16 at a time; claims not started when ctx ends are given back.
func (w *Worker) each(ctx context.Context, s *store.Schedule, claims []store.Claim, fn func(context.Context, store.Claim)) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, c := range claims {
		if ctx.Err() != nil {
			_, _ = s.Release(context.WithoutCancel(ctx), c)
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(context.WithoutCancel(ctx), c)
		})
	}
	wg.Wait()
}

// refreshOne refreshes one claimed connection when it is still due, and schedules its next
// refresh. A connection nobody fetched for the app's idle time is left to its next fetch.
func (w *Worker) refreshOne(ctx context.Context, cl store.Claim) {
	v := w.cfg.Vault
	c, err := v.Connection(ctx, cl.Member)
	if err != nil {
		w.finish(ctx, w.refresh, cl, time.Time{}, !errors.Is(err, oauth.ErrConnectionNotFound))
		return
	}
	due, ok := w.due(ctx, c)
	if !ok || w.idle(ctx, c) {
		w.finish(ctx, w.refresh, cl, time.Time{}, false)
		return
	}
	if due.After(w.now()) {
		w.finish(ctx, w.refresh, cl, due, false)
		return
	}
	app, _ := w.cfg.Apps.Get(ctx, c.AppID)
	fresh, err := v.RefreshDue(ctx, c.ID, w.now().Add(app.Refresh.Margin()+w.cfg.RefreshLead+time.Second))
	var rf *oauth.RefreshFailedError
	switch {
	case err == nil:
		next, ok := w.due(ctx, fresh)
		if !ok {
			next = time.Time{}
		}
		w.finish(ctx, w.refresh, cl, next, false)
	case errors.As(err, &rf) && !rf.RetryAt.IsZero():
		w.finish(ctx, w.refresh, cl, rf.RetryAt, false)
	case errors.Is(err, oauth.ErrReauthRequired), errors.Is(err, oauth.ErrConnectionNotFound):
		w.finish(ctx, w.refresh, cl, time.Time{}, false)
	default:
		w.log.Warn("worker: keep-alive refresh", "connection", c.ID, "app", c.AppID, "error", err)
		w.finish(ctx, w.refresh, cl, w.now().Add(time.Minute), false)
	}
}

// idle reports whether nobody fetched c's token for its app's idle time.
func (w *Worker) idle(ctx context.Context, c *oauth.Connection) bool {
	app, err := w.cfg.Apps.Get(ctx, c.AppID)
	if err != nil {
		return false
	}
	last, ok, err := w.cfg.Vault.LastUsed(ctx, c.ID)
	if err != nil {
		return false
	}
	if !ok {
		last = c.ConnectedAt
	}
	return w.now().Sub(last) > app.Refresh.Idle()
}

// finish ends a claim: next (zero: off the schedule), or given back untouched when release.
func (w *Worker) finish(ctx context.Context, s *store.Schedule, cl store.Claim, next time.Time, release bool) {
	var err error
	if release {
		_, err = s.Release(ctx, cl)
	} else {
		_, err = s.Done(ctx, cl, next)
	}
	if err != nil {
		w.log.Warn("worker: end claim", "error", err)
	}
}

// Seed puts on the keep-alive schedule every connection of every app that keeps them alive and
// is not scheduled yet (connections made before any worker ran). It returns how many it added.
func (w *Worker) Seed(ctx context.Context) (int, error) {
	if w.cfg.Vault == nil {
		return 0, nil
	}
	list, err := w.cfg.Apps.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, app := range list {
		if !app.Refresh.BackgroundOn() {
			continue
		}
		conns, err := w.cfg.Vault.ListApp(ctx, app.ID)
		if err != nil {
			continue
		}
		for i := range conns {
			if _, ok, err := w.refresh.Due(ctx, conns[i].ID); err != nil || ok {
				continue
			}
			if due, ok := w.due(ctx, &conns[i]); ok {
				if err := w.refresh.Add(ctx, conns[i].ID, due); err == nil {
					n++
				}
			}
		}
	}
	return n, nil
}
