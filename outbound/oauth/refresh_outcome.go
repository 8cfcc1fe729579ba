package oauth

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/outflowhq/outflow/store"
)

// Backoff after transient refresh failures: base doubled per consecutive failure, capped, with
// ±20% jitter so many connections of one provider do not retry in step.
const (
	refreshBackoffBase = 30 * time.Second
	refreshBackoffMax  = 30 * time.Minute
)

// refusedCodes are token-endpoint error codes that mean the grant itself is gone: retrying
// cannot help, only a new consent can.
var refusedCodes = []string{"invalid_grant", "invalid_refresh_token", "token_revoked", "token_expired"}

func oauthRefreshToken(rt string) *oauth2.Token { return &oauth2.Token{RefreshToken: rt} }

// refusedGrant reports whether a refresh failed because the provider refused the grant
// (revoked, expired or reused refresh token), as opposed to a transient failure (timeout,
// network, 5xx, rate limit) or a configuration problem (invalid_client), which back off instead.
func refusedGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && slices.Contains(refusedCodes, re.ErrorCode)
}

// backoffDelay is the wait after the n-th consecutive transient failure.
func backoffDelay(n int) time.Duration {
	d := refreshBackoffBase
	for i := 1; i < n && d < refreshBackoffMax; i++ {
		d *= 2
	}
	d = min(d, refreshBackoffMax)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// errUnrotated is the lastRefreshError of a refresh that succeeded at an app whose provider is
// said to rotate refresh tokens, but returned none: either the app's setting is wrong or the
// provider changed; the token still works, but someone should look.
const errUnrotated = "the app says its provider rotates refresh tokens, but the refresh returned no new one; the previous refresh token is kept"

// markNeedsReauth records that the connection's grant is gone and returns the error fetches of
// it get from now on, without calling the provider. When the connection's tokens changed
// meanwhile (a reconnect or an import landed), it is healthy again: that connection is returned
// instead, with no error. Of a, only the app and the owner are read.
func (v *Vault) markNeedsReauth(ctx context.Context, lock *store.Lock, a refreshAsk, c *storedConn, reason string) (storedConn, error) {
	now := v.now()
	var (
		out     storedConn
		written bool
	)
	_, err := v.updateIn(ctx, lock, a.app.ID, a.owner, func(g *grantRecord) error {
		i := g.find(c.ID)
		if i < 0 {
			return &ConnectionNotFoundError{ConnectionID: c.ID}
		}
		cur := &g.Conns[i]
		out, written = *cur, false
		if cur.Gen != c.Gen || cur.Status != StatusActive {
			return errNoChange
		}
		cur.Status, cur.StatusReason = StatusNeedsReauth, reason
		cur.LastRefreshError, cur.NextRefreshAt, cur.UpdatedAt = reason, time.Time{}, now
		out, written = *cur, true
		return nil
	})
	if err != nil {
		return storedConn{}, err
	}
	if !written {
		if out.Status == StatusActive {
			return out, nil
		}
		return storedConn{}, reauthError(a.app, &out)
	}
	v.log.WarnContext(ctx, "outbound: connection needs its owner to connect again", "connection", out.Connection, "reason", reason)
	v.emit(ctx, EventConnectionNeedsReauth, &out.Connection, reason)
	return storedConn{}, reauthError(a.app, &out)
}

// backOff records a transient refresh failure and when to try again. The still-valid token is
// served meanwhile (unless a.force); an expired one gives a *RefreshFailedError.
func (v *Vault) backOff(ctx context.Context, lock *store.Lock, a refreshAsk, c *storedConn, reason string, now time.Time) (storedConn, error) {
	failures := c.RefreshFailures + 1
	next := now.Add(backoffDelay(failures))
	out := *c
	written := false
	_, err := v.updateIn(ctx, lock, a.app.ID, a.owner, func(g *grantRecord) error {
		i := g.find(c.ID)
		if i < 0 {
			return &ConnectionNotFoundError{ConnectionID: c.ID}
		}
		cur := &g.Conns[i]
		if cur.Gen != c.Gen {
			out, written = *cur, false
			return errNoChange
		}
		cur.LastRefreshError, cur.NextRefreshAt, cur.RefreshFailures, cur.UpdatedAt = reason, next, failures, now
		out, written = *cur, true
		return nil
	})
	if err != nil {
		return storedConn{}, err
	}
	if !written {
		return out, nil // the tokens changed meanwhile: use the new ones
	}
	v.log.WarnContext(ctx, "outbound: token refresh failed; backing off", "connection", out.Connection, "reason", reason, "failures", failures, "nextRefreshAt", next)
	v.emit(ctx, EventConnectionRefreshFailed, &out.Connection, reason)
	if !a.force && !out.expired(now) {
		return out, nil
	}
	return storedConn{}, &RefreshFailedError{AppID: a.app.ID, ConnectionID: c.ID, Reason: reason, RetryAt: next}
}
