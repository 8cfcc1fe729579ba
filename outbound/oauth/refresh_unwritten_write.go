package oauth

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// A refreshed token pair is written at most refreshWriteAttempts times within the refresh's
// budget, waiting refreshWriteRetry, then twice as long each time, on the wall clock.
const (
	refreshWriteAttempts = 4
	refreshWriteRetry    = 20 * time.Millisecond
)

// refreshedSet seals a token pair the provider issued to the refresh a of c into the
// connection as it is to be stored. base is the token generation Redis holds for the
// connection: c's own, or the one a held set c stands for was refreshed from. A response
// without a refresh token keeps c's; a new one replaces it.
func (v *Vault) refreshedSet(a refreshAsk, c *storedConn, base int64, tr tokenResult, usedRT string) (*unwrittenSet, error) {
	now := v.now()
	next := *c
	next.Scopes = slices.Clone(c.Scopes)
	newRT := tr.refresh
	if newRT == usedRT {
		newRT = ""
	}
	if err := v.setTokens(&next, tr.access, newRT); err != nil {
		return nil, err
	}
	next.TokenType = tr.tokenType
	next.ExpiresAt, next.ExpirySource, next.IssuedAt = tr.expiresAt, tr.expirySource, now
	if tr.apiBase != "" {
		next.APIBaseURL = tr.apiBase
	}
	if tr.scopes != nil {
		next.Scopes = tr.scopes
	}
	next.LastRefreshAt, next.LastRefreshError, next.NextRefreshAt, next.RefreshFailures = now, "", time.Time{}, 0
	unrotated := a.app.Refresh.RotatesRefreshToken && newRT == ""
	if unrotated {
		next.LastRefreshError = errUnrotated
	}
	next.UpdatedAt = now
	return &unwrittenSet{key: v.tokensKey(a.app.ID, a.owner), owner: a.owner, base: base, next: next, unrotated: unrotated}, nil
}

// keepRefreshed stores a token pair the provider has just issued; it is never lost to a failed
// write. The write is tried again a few times within ctx; when it still does not land (Redis
// refuses it, is unreachable, or the refresh lost its lock) the set is held in the process:
// fetches are served from it, the next refresh starts from it instead of calling the provider
// with the refresh token it replaced, and a background loop writes it as soon as Redis takes it.
// The written (or held) connection is returned. When the connection's tokens changed meanwhile
// (a reconnect), those win and are returned.
func (v *Vault) keepRefreshed(ctx context.Context, lock *store.Lock, app *apps.App, u *unwrittenSet) (storedConn, error) {
	var err error
	delay := refreshWriteRetry
	for attempt := 1; ; attempt++ {
		var (
			out     storedConn
			written bool
		)
		out, written, err = v.writeRefreshed(ctx, lock, u)
		if err == nil {
			v.unwritten.written(u)
			if written {
				v.afterRefreshWritten(ctx, u, &out)
			}
			return out, nil
		}
		if errors.Is(err, ErrConnectionNotFound) {
			v.unwritten.drop(u)
			return storedConn{}, err
		}
		if attempt == refreshWriteAttempts || errors.Is(err, store.ErrLockLost) || ctx.Err() != nil ||
			clock.System().Sleep(ctx, delay) != nil {
			break
		}
		delay *= 2
	}
	held := v.unwritten.current(u)
	if v.unwritten.hold(u) {
		v.log.WarnContext(ctx, "outbound: Redis did not take a refreshed token pair; it is held in this process and written as soon as Redis takes it",
			"connection", held.Connection, "error", err)
	} else {
		v.log.ErrorContext(ctx, "outbound: Redis did not take a refreshed token pair and too many are held already: its refresh token is lost",
			"connection", held.Connection, "error", err)
	}
	return held, nil
}

// writeRefreshed writes the held set u onto its connection, under lock, but only onto the token
// generation it was refreshed from: if the connection's tokens changed meanwhile, those win and
// are returned with written false.
func (v *Vault) writeRefreshed(ctx context.Context, lock *store.Lock, u *unwrittenSet) (out storedConn, written bool, err error) {
	next := v.unwritten.current(u)
	_, err = v.updateIn(ctx, lock, next.AppID, u.owner, func(g *grantRecord) error {
		i := g.find(next.ID)
		if i < 0 {
			return &ConnectionNotFoundError{ConnectionID: next.ID}
		}
		cur := &g.Conns[i]
		// An earlier attempt's write that reached the master while no replica confirmed it is
		// this very set: written again, it is answered once a replica has it.
		ours := cur.Gen == next.Gen && cur.Access == next.Access && cur.Refresh == next.Refresh
		if cur.Gen != u.base && !ours {
			out, written = *cur, false
			return errNoChange
		}
		u.recovered = cur.RefreshFailures > 0 || cur.LastRefreshError != ""
		cur.Access, cur.Refresh, cur.SealV, cur.HasRefreshToken, cur.Gen = next.Access, next.Refresh, next.SealV, next.HasRefreshToken, next.Gen
		cur.TokenType, cur.ExpiresAt, cur.ExpirySource, cur.IssuedAt = next.TokenType, next.ExpiresAt, next.ExpirySource, next.IssuedAt
		cur.Scopes, cur.APIBaseURL = slices.Clone(next.Scopes), next.APIBaseURL
		cur.LastRefreshAt, cur.LastRefreshError, cur.NextRefreshAt = next.LastRefreshAt, next.LastRefreshError, next.NextRefreshAt
		cur.RefreshFailures, cur.UpdatedAt = next.RefreshFailures, next.UpdatedAt
		out, written = *cur, true
		return nil
	})
	if err != nil {
		return storedConn{}, false, err
	}
	return out, written, nil
}

// afterRefreshWritten reports a refreshed token pair once it is stored.
func (v *Vault) afterRefreshWritten(ctx context.Context, u *unwrittenSet, out *storedConn) {
	if u.unrotated {
		v.log.WarnContext(ctx, "outbound: "+errUnrotated, "connection", out.Connection)
	}
	v.emit(ctx, EventConnectionRefreshed, &out.Connection, "")
	if u.recovered {
		v.emit(ctx, EventConnectionRecovered, &out.Connection, "")
	}
}

// landHeld is the first step of a refresh under the grant's lock: when a set refreshed from
// the stored generation is held, it writes it. It returns the connection to go on from — the
// stored one, or the held set's when it still cannot be written — and that held set.
func (v *Vault) landHeld(ctx context.Context, lock *store.Lock, app *apps.App, owner outbound.Owner, stored storedConn) (storedConn, *unwrittenSet) {
	if stored.Status != StatusActive {
		return stored, nil
	}
	u := v.unwritten.get(v.tokensKey(app.ID, owner), &stored)
	if u == nil {
		return stored, nil
	}
	out, written, err := v.writeRefreshed(ctx, lock, u)
	if err != nil {
		return v.unwritten.current(u), u
	}
	v.unwritten.written(u)
	if written {
		v.afterRefreshWritten(ctx, u, &out)
	}
	return out, nil
}

// backOffHeld records a transient failure to refresh from the held set u, on u (Redis holds an
// older generation), and answers as backOff does.
func (v *Vault) backOffHeld(ctx context.Context, a refreshAsk, u *unwrittenSet, reason string, now time.Time) (storedConn, error) {
	cur := v.unwritten.current(u)
	next := now.Add(backoffDelay(cur.RefreshFailures + 1))
	out := v.unwritten.backOff(u, reason, next, now)
	v.log.WarnContext(ctx, "outbound: token refresh failed; backing off", "connection", out.Connection, "reason", reason,
		"failures", out.RefreshFailures, "nextRefreshAt", next)
	v.emit(ctx, EventConnectionRefreshFailed, &out.Connection, reason)
	if !a.force && !out.expired(now) {
		return out, nil
	}
	return storedConn{}, &RefreshFailedError{AppID: a.app.ID, ConnectionID: out.ID, Reason: reason, RetryAt: next}
}
