package oauth

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/outflowhq/outflow/store"
)

// usedEvery is how often a process records that a connection was fetched: the record is for
// the keep-alive refresh, which counts in days, so once an hour is plenty.
const usedEvery = time.Hour

// usedTTL is how long the record that a connection was fetched is kept.
const usedTTL = 400 * 24 * time.Hour

// markUsed records, at most once per usedEvery per process, that a connection was fetched. A
// failure to record is not the fetch's: it is tried again on the next fetch.
func (v *Vault) markUsed(ctx context.Context, connID string) {
	now := v.now()
	if last, ok := v.used.Load(connID); ok && now.Sub(last.(time.Time)) < usedEvery {
		return
	}
	val := []byte(strconv.FormatInt(now.Unix(), 10))
	if err := v.store.SetValue(ctx, v.keys.ConnectionUsed(connID), val, usedTTL); err == nil {
		v.used.Store(connID, now)
	}
}

// LastUsed returns when a connection's token was last fetched, to within an hour; ok is false
// when no fetch was recorded.
func (v *Vault) LastUsed(ctx context.Context, connID string) (time.Time, bool, error) {
	b, err := v.store.GetValue(ctx, v.keys.ConnectionUsed(connID))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return time.Time{}, false, nil
	}
	return time.Unix(n, 0), true, nil
}

// RefreshDue refreshes a connection's token when it expires before the given time, once across
// every process: a connection refreshed meanwhile by anyone (a newer token generation) is not
// refreshed again. It returns the connection as it stands after. Refusals follow the fetch's
// rules: a refused grant marks the connection needs_reauth (*ReauthRequiredError), a failing
// provider backs it off (*RefreshFailedError with RetryAt).
func (v *Vault) RefreshDue(ctx context.Context, connID string, before time.Time) (*Connection, error) {
	p, err := v.locate(ctx, connID)
	if err != nil {
		return nil, err
	}
	app, err := v.oauthApp(ctx, p.AppID)
	if err != nil {
		return nil, err
	}
	g, err := v.load(ctx, app.ID, p.Owner)
	if err != nil {
		return nil, err
	}
	i := g.find(connID)
	if i < 0 {
		return nil, &ConnectionNotFoundError{ConnectionID: connID}
	}
	c := v.overlaid(app.ID, p.Owner, &g.Conns[i])
	if !c.ExpiresAt.Before(before) {
		out := c.Connection.clone()
		return &out, nil
	}
	if app, err = v.mintedOrReauth(ctx, &app, p.Owner, c); err != nil {
		return nil, err
	}
	fresh, err := v.refresh(ctx, &app, p.Owner, *c, true)
	if err != nil {
		return nil, err
	}
	out := fresh.Connection.clone()
	return &out, nil
}
