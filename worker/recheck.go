package worker

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
)

// keyMember names a stored key on the re-check schedule: the owner (as store.SubjectMember) and
// the app, separated by "|".
func keyMember(kind, id, appID string) string { return store.SubjectMember(kind, id) + "|" + appID }

func parseKeyMember(m string) (outbound.Owner, string, bool) {
	sub, appID, ok := strings.Cut(m, "|")
	if !ok {
		return outbound.Owner{}, "", false
	}
	kind, id, ok := store.ParseSubjectMember(sub)
	if !ok {
		return outbound.Owner{}, "", false
	}
	if kind == outbound.OwnerUser {
		return outbound.Owner{UserID: id}, appID, true
	}
	return outbound.Owner{TenantID: id}, appID, true
}

// scheduleKey schedules the first re-check of a stored key at a random point of its app's
// interval, so that keys stored together are not all probed together.
func (w *Worker) scheduleKey(ctx context.Context, ev events.Event) error {
	if w.cfg.APIKeys == nil {
		return nil
	}
	app, err := w.cfg.Apps.Get(ctx, ev.AppID)
	if err != nil {
		return nil
	}
	every := app.APIKey.Recheck()
	member := keyMember(ev.Owner.Kind(), ev.Owner.ID(), ev.AppID)
	if every <= 0 {
		return w.recheck.Remove(ctx, member)
	}
	return w.recheck.Add(ctx, member, w.now().Add(time.Duration(rand.Int64N(int64(every)))))
}

// recheckLoop claims due key re-checks and runs them.
func (w *Worker) recheckLoop(ctx context.Context) {
	w.tick(ctx, func(ctx context.Context) {
		claims, err := w.recheck.Claim(ctx, w.now(), w.cfg.Lease, 100)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("worker: claim key re-checks", "error", err)
		}
		w.each(ctx, w.recheck, claims, w.recheckOne)
	})
}

// recheckOne probes one stored key, within its app's rate, and schedules the next re-check.
func (w *Worker) recheckOne(ctx context.Context, cl store.Claim) {
	owner, appID, ok := parseKeyMember(cl.Member)
	if !ok {
		w.finish(ctx, w.recheck, cl, time.Time{}, false)
		return
	}
	app, err := w.cfg.Apps.Get(ctx, appID)
	every := app.APIKey.Recheck()
	if err != nil || every <= 0 {
		w.finish(ctx, w.recheck, cl, time.Time{}, false)
		return
	}
	if !w.allow(ctx, appID) {
		w.finish(ctx, w.recheck, cl, w.now().Add(time.Second+time.Duration(rand.Int64N(int64(2*time.Second)))), false)
		return
	}
	res, err := w.cfg.APIKeys.Recheck(ctx, owner, appID)
	switch {
	case err != nil:
		w.log.Warn("worker: key re-check", "app", appID, "error", err)
		w.finish(ctx, w.recheck, cl, w.now().Add(time.Minute), false)
	case res == apikeys.RecheckGone:
		w.finish(ctx, w.recheck, cl, time.Time{}, false)
	default:
		w.finish(ctx, w.recheck, cl, w.now().Add(every), false)
	}
}

// allow reports whether one more re-check of app fits in this second's budget, counted in
// Redis so the cap holds across every worker.
func (w *Worker) allow(ctx context.Context, appID string) bool {
	key := w.keys.RateWindow("recheck:"+appID, w.now().Unix())
	c := w.cfg.Store.Client()
	n, err := c.Incr(ctx, key).Result()
	if err != nil {
		return false
	}
	if n == 1 {
		c.Expire(ctx, key, 5*time.Second)
	}
	return n <= int64(w.cfg.RecheckRate)
}
