package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// waitPoll is how often a process waiting for another's refresh checks the lock.
const waitPoll = 20 * time.Millisecond

// refresh returns seen's connection with a fresh token, refreshing it at most once at a time
// across every process. Within a process, concurrent callers for one connection share one
// attempt (singleflight); across processes a Redis lock elects the one that calls the provider,
// and the others wait for the lock to go and read the record again. seen is the connection as
// the caller read it: a token generation newer than seen's means someone else already refreshed.
func (v *Vault) refresh(ctx context.Context, app *apps.App, owner outbound.Owner, seen storedConn, force bool) (storedConn, error) {
	a := refreshAsk{app: app, owner: owner, connID: seen.ID, seenGen: seen.Gen, force: force}
	if c, done, err := v.settled(a, &seen, v.now()); done {
		return c, err
	}
	key := v.tokensKey(app.ID, owner) + "\x00" + seen.ID
	if force {
		key += "\x00force"
	}
	// The shared attempt must not die with the first caller's request: it runs detached, bounded
	// by the lock and provider timeouts, and each caller stops waiting when its own context ends.
	lead := context.WithoutCancel(ctx)
	ch := v.flight.DoChan(key, func() (any, error) {
		lctx, cancel := context.WithTimeout(lead, 2*v.vo.RefreshLockTTL+2*v.vo.ProviderTimeout)
		defer cancel()
		return v.refreshOnce(lctx, a)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return storedConn{}, r.Err
		}
		return r.Val.(storedConn), nil
	case <-ctx.Done():
		return storedConn{}, fmt.Errorf("refresh token of app %q: %w", app.ID, ctx.Err())
	}
}

// refreshAsk is one refresh, as the functions that carry it out see it: the connection connID of
// owner for app, as the caller read it at token generation seenGen (a newer generation means
// someone else refreshed it meanwhile), and whether the caller forces a refresh of a token that
// is still fresh.
type refreshAsk struct {
	app     *apps.App
	owner   outbound.Owner
	connID  string
	seenGen int64
	force   bool
}

// refreshOnce takes the grant's refresh lock and refreshes under it, or, when another process
// holds it, waits for it to go and uses that process's result. The provider's endpoints are
// resolved first, outside the lock: fetching a discovery document must not use up the time the
// lock gives the refresh itself.
func (v *Vault) refreshOnce(ctx context.Context, a refreshAsk) (storedConn, error) {
	pc, pcErr := v.provider(ctx, *a.app)
	lockKey := v.keys.RefreshLock(a.owner.Kind(), a.owner.ID(), a.app.ID, a.connID)
	for range 3 {
		lock, err := v.store.Lock(ctx, lockKey, v.vo.RefreshLockTTL)
		if errors.Is(err, store.ErrLocked) {
			wctx, cancel := context.WithTimeout(ctx, v.vo.RefreshLockTTL+time.Second)
			err := v.store.WaitUnlocked(wctx, lockKey, waitPoll)
			cancel()
			if err != nil {
				return storedConn{}, fmt.Errorf("refresh token of app %q: wait for another refresh: %w", a.app.ID, err)
			}
			c, err := v.reread(ctx, a.app, a.owner, a.connID)
			if err != nil {
				return storedConn{}, err
			}
			c = *v.overlaid(a.app.ID, a.owner, &c)
			if c, done, err := v.settled(a, &c, v.now()); done {
				return c, err
			}
			continue // the other refresh failed without leaving a verdict: try to take over
		}
		if err != nil {
			return storedConn{}, fmt.Errorf("refresh token of app %q: lock: %w", a.app.ID, err)
		}
		c, err := v.holdLock(ctx, lock, func(ctx context.Context, deadline time.Time) (storedConn, error) {
			r := lockedRefresh{lock: lock, pc: pc, pcErr: pcErr, deadline: deadline}
			return v.refreshLocked(ctx, &r, a)
		})
		if rerr := lock.Release(context.WithoutCancel(ctx)); rerr != nil {
			v.log.WarnContext(ctx, "outbound: release refresh lock", "app", a.app.ID, "connection", a.connID, "error", rerr)
		}
		return c, err
	}
	return storedConn{}, &RefreshFailedError{AppID: a.app.ID, ConnectionID: a.connID, Reason: "another refresh keeps the grant busy", RetryAt: v.now().Add(time.Second)}
}

// reread reads one connection again.
func (v *Vault) reread(ctx context.Context, app *apps.App, owner outbound.Owner, connID string) (storedConn, error) {
	g, err := v.load(ctx, app.ID, owner)
	if err != nil {
		return storedConn{}, err
	}
	i := g.find(connID)
	if i < 0 {
		return storedConn{}, &ConnectionNotFoundError{ConnectionID: connID}
	}
	return g.Conns[i], nil
}

// settled decides whether c needs no refresh from this caller: someone refreshed it since the
// caller read generation a.seenGen, it is fresh (and the refresh is not forced), it cannot be refreshed (no refresh token, broken
// grant), or it is backing off after a transient failure. done is false when a refresh is due.
func (v *Vault) settled(a refreshAsk, c *storedConn, now time.Time) (storedConn, bool, error) {
	switch {
	case c.Status != StatusActive:
		return storedConn{}, true, reauthError(a.app, c)
	case c.Gen > a.seenGen:
		return *c, true, nil
	case !a.force && c.fresh(now, a.app.Refresh.Margin()):
		return *c, true, nil
	case c.Refresh == "":
		if !a.force && !c.expired(now) {
			return *c, true, nil // nothing to refresh with; valid until it expires
		}
		return storedConn{}, false, nil // refreshLocked records the verdict
	case now.Before(c.NextRefreshAt):
		if !a.force && !c.expired(now) {
			return *c, true, nil
		}
		return storedConn{}, true, &RefreshFailedError{AppID: a.app.ID, ConnectionID: c.ID, Reason: c.LastRefreshError, RetryAt: c.NextRefreshAt}
	}
	return storedConn{}, false, nil
}

func reauthError(app *apps.App, c *storedConn) *ReauthRequiredError {
	reason := c.StatusReason
	if c.Status == StatusRevoked {
		reason = "the connection is being disconnected"
	}
	return &ReauthRequiredError{
		AppID: app.ID, ConnectionID: c.ID, Reason: reason, Granted: slices.Clone(c.Scopes),
		Connect: ConnectHint{AppID: app.ID, Owner: c.Owner, Scopes: c.Scopes, ExternalID: c.ExternalID, ConnectionID: c.ID},
	}
}

// lockedRefresh is what a refresh holds while it holds the grant's lock: the lock (every write
// is fenced by it), the provider configuration resolved before the lock was taken (or why it
// could not be), and when the provider call must have ended.
type lockedRefresh struct {
	lock     *store.Lock
	pc       *providerConf
	pcErr    error
	deadline time.Time
}

// refreshLocked refreshes under the grant's lock: it reads the connection again (someone may
// have refreshed just before the lock was taken), writes a token pair this process holds for
// it (see keepRefreshed) and goes on from that pair when Redis still does not take it, calls the
// provider, and keeps the new token pair: written with a compare-and-set that only lands on the
// token generation it refreshed, and only while the lock is still this refresh's, or held.
func (v *Vault) refreshLocked(ctx context.Context, lr *lockedRefresh, a refreshAsk) (storedConn, error) {
	stored, err := v.reread(ctx, a.app, a.owner, a.connID)
	if err != nil {
		return storedConn{}, err
	}
	c, held := v.landHeld(ctx, lr.lock, a.app, a.owner, stored)
	now := v.now()
	if c, done, err := v.settled(a, &c, now); done {
		return c, err
	}
	if c.Refresh == "" {
		if !c.expired(now) {
			// A forced refresh without a refresh token: only a new consent gives a new token.
			e := reauthError(a.app, &c)
			e.Reason = "the provider issued no refresh token"
			return storedConn{}, e
		}
		if held != nil {
			v.unwritten.drop(held)
		}
		res, err := v.markNeedsReauth(ctx, lr.lock, a, &stored, "the access token expired and the provider issued no refresh token")
		return res, v.lockLost(a.app, &stored, err)
	}
	rt, err := v.open(&c, fieldRefresh, c.Refresh)
	if err != nil {
		return storedConn{}, err
	}
	var tr tokenResult
	called := time.Now()
	if err = lr.pcErr; err == nil {
		pctx, cancel := context.WithDeadline(ctx, lr.deadline)
		tr, err = v.callRefresh(pctx, lr.pc, a.app, rt)
		cancel()
	}
	v.observeRefresh(a.app.ID, called, err)
	if err == nil {
		// Issued tokens are kept even when the lock was lost meanwhile: written, or held.
		u, err := v.refreshedSet(a, &c, stored.Gen, tr, rt)
		if err != nil {
			return storedConn{}, err
		}
		return v.keepRefreshed(ctx, lr.lock, a.app, u)
	}
	if errors.Is(context.Cause(ctx), errLockLost) {
		return storedConn{}, v.lockLost(a.app, &c, context.Cause(ctx))
	}
	at, _ := v.open(&c, fieldAccess, c.Access)
	reason := providerError(err, rt, at, a.app.ClientSecret.Reveal())
	if refusedGrant(err) {
		return v.refused(ctx, lr.lock, a, &stored, held, reason)
	}
	if held != nil {
		return v.backOffHeld(ctx, a, held, reason, now)
	}
	res, err := v.backOff(ctx, lr.lock, a, &c, reason, now)
	return res, v.lockLost(a.app, &c, err)
}

// refused handles the provider's refusal of the refresh token of stored (or of held, the set
// held for it, when there is one): the grant is gone, unless a newer token pair exists — held
// by this process, or stored by another one — which is then the connection's.
func (v *Vault) refused(ctx context.Context, lock *store.Lock, a refreshAsk, stored *storedConn, held *unwrittenSet, reason string) (storedConn, error) {
	if held != nil {
		v.unwritten.drop(held) // its refresh token is the one refused
	}
	if u := v.unwritten.get(v.tokensKey(a.app.ID, a.owner), stored); u != nil {
		return v.unwritten.current(u), nil
	}
	// Another process may have rotated the token just before ours was refused (its lock
	// expired, or it refreshed without one): if the stored token moved on, use it.
	if cur, rerr := v.reread(ctx, a.app, a.owner, stored.ID); rerr == nil && cur.Gen != stored.Gen && cur.Status == StatusActive {
		return cur, nil
	}
	v.emit(ctx, EventConnectionRefreshFailed, &stored.Connection, reason)
	res, err := v.markNeedsReauth(ctx, lock, a, stored, reason)
	return res, v.lockLost(a.app, stored, err)
}

// lockLost passes on the error of a locked step, turning the loss of the lock into a
// *RefreshFailedError: the refresh took longer than its lock allowed, its outcome is not
// recorded, and the caller may try again shortly.
func (v *Vault) lockLost(app *apps.App, c *storedConn, err error) error {
	if !errors.Is(err, errLockLost) && !errors.Is(err, store.ErrLockLost) {
		return err
	}
	v.log.Warn("outbound: token refresh outlived its lock; its result was not stored", "connection", c.Connection, "error", err)
	return &RefreshFailedError{AppID: app.ID, ConnectionID: c.ID,
		Reason: "the refresh took longer than its lock allows", RetryAt: v.now().Add(time.Second)}
}

// callRefresh redeems a refresh token at the provider.
func (v *Vault) callRefresh(ctx context.Context, pc *providerConf, app *apps.App, refreshToken string) (tokenResult, error) {
	cctx, cancel := v.withClient(tracing.WithCall(ctx, "oauth.refresh"), pc)
	defer cancel()
	tok, err := pc.refresh.TokenSource(cctx, oauthRefreshToken(refreshToken)).Token()
	if err != nil {
		return tokenResult{}, err
	}
	return readToken(app, tok, v.now()), nil
}
