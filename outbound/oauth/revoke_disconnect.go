package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// DisconnectRequest says which connections to delete: one by ConnectionID, or every connection
// of an app and an owner, of an app (Owner zero), or of an owner (AppID empty).
type DisconnectRequest struct {
	ConnectionID string
	AppID        string
	Owner        outbound.Owner
	// SkipRevoke deletes locally without asking the provider to revoke the tokens.
	SkipRevoke bool
}

// DisconnectReport tells what a disconnect did.
type DisconnectReport struct {
	Connections []DisconnectedConnection `json:"connections"`
}

// DisconnectedConnection is one deleted connection.
type DisconnectedConnection struct {
	ID    string         `json:"id"`
	AppID string         `json:"appId"`
	Owner outbound.Owner `json:"owner"`
	// Revoked lists the token types the provider accepted to revoke ("refresh_token",
	// "access_token").
	Revoked []string `json:"revoked"`
	// RevokeError says why revocation failed or was not attempted; the connection is deleted
	// anyway.
	RevokeError string `json:"revokeError,omitempty"`
}

// Disconnect deletes connections. When the app has a revocation endpoint (its revocationUrl or
// its discovery document's), each connection's tokens are first revoked at the provider
// (RFC 7009, refresh token first, with client authentication); the connection is deleted even
// when that fails, and the report says so. While being revoked a connection has status
// revoked, so concurrent fetches fail at once instead of refreshing it. A connection marked
// revoked is always revoked and deleted, even when ctx ends meanwhile (the caller's request was
// cancelled); ctx ending only stops the disconnect from starting on further connections.
func (v *Vault) Disconnect(ctx context.Context, req DisconnectRequest) (*DisconnectReport, error) {
	rep := &DisconnectReport{Connections: []DisconnectedConnection{}}
	ids := outbound.IDChecks{AppID: req.AppID, ConnID: req.ConnectionID}
	if !req.Owner.IsZero() {
		ids.Owner = &req.Owner
	}
	if fs := ids.Problems(""); len(fs) > 0 {
		return nil, &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: fs}
	}
	switch {
	case req.ConnectionID != "":
		p, err := v.locate(ctx, req.ConnectionID)
		if err != nil {
			return nil, err
		}
		done, err := v.disconnectIn(ctx, p.AppID, p.Owner, req.SkipRevoke, func(c *storedConn) bool { return c.ID == req.ConnectionID })
		if err != nil {
			return nil, err
		}
		if len(done) == 0 {
			_ = v.store.Delete(ctx, v.keys.Connection(req.ConnectionID))
			return nil, &ConnectionNotFoundError{ConnectionID: req.ConnectionID}
		}
		rep.Connections = done
	case req.AppID != "" && req.Owner.Validate() == nil:
		done, err := v.disconnectIn(ctx, req.AppID, req.Owner, req.SkipRevoke, all)
		if err != nil {
			return nil, err
		}
		rep.Connections = done
	case req.AppID != "":
		owners, err := v.appOwners(ctx, req.AppID)
		if err != nil {
			return nil, err
		}
		for _, o := range owners {
			done, err := v.disconnectIn(ctx, req.AppID, o, req.SkipRevoke, all)
			if err != nil {
				return rep, err
			}
			rep.Connections = append(rep.Connections, done...)
		}
	case req.Owner.Validate() == nil:
		apps, err := v.ownerApps(ctx, req.Owner)
		if err != nil {
			return nil, err
		}
		for _, a := range apps {
			done, err := v.disconnectIn(ctx, a, req.Owner, req.SkipRevoke, all)
			if err != nil {
				return rep, err
			}
			rep.Connections = append(rep.Connections, done...)
		}
	default:
		return nil, &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: []outbound.FieldError{{Field: "connectionId", Message: "name a connection id, an app id, an owner (userId or tenantId), or an app and an owner"}}}
	}
	return rep, nil
}

func all(*storedConn) bool { return true }

// disconnectWriteTimeout bounds the local writes of a disconnect that finishes after its caller
// went away.
const disconnectWriteTimeout = 10 * time.Second

// disconnectIn revokes and deletes the connections of one record that match. Once it has marked
// them revoked it runs to the end whatever happens to ctx.
func (v *Vault) disconnectIn(ctx context.Context, appID string, owner outbound.Owner, skipRevoke bool, match func(*storedConn) bool) ([]DisconnectedConnection, error) {
	// 1. Mark them revoked, so no fetch refreshes them while they are being revoked.
	var marked []storedConn
	_, err := v.update(ctx, appID, owner, func(g *grantRecord) error {
		marked = marked[:0]
		for i := range g.Conns {
			if c := &g.Conns[i]; match(c) {
				c.Status, c.StatusReason, c.UpdatedAt = StatusRevoked, "disconnected", v.now()
				marked = append(marked, *c)
			}
		}
		if len(marked) == 0 {
			return errNoChange
		}
		return nil
	})
	if err != nil || len(marked) == 0 {
		return nil, err
	}
	// From here the connections are marked revoked: finish even when the caller goes away, or
	// they would stay unusable and undeleted. Each provider call has its own timeout; the whole
	// is bounded by them and the time the local writes may take.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx),
		time.Duration(4*len(marked))*v.vo.ProviderTimeout+disconnectWriteTimeout)
	defer cancel()
	// 2. Revoke at the provider.
	out := make([]DisconnectedConnection, len(marked))
	app, appErr := v.oauthApp(ctx, appID)
	for i := range marked {
		c := &marked[i]
		out[i] = DisconnectedConnection{ID: c.ID, AppID: appID, Owner: c.Owner, Revoked: []string{}}
		out[i].Revoked, out[i].RevokeError = v.tryRevoke(ctx, &app, appErr, v.takeHeld(appID, owner, c), skipRevoke)
	}
	// 3. Delete them. A refresh that was already under way may have stored new tokens: those
	// are revoked too.
	ids := make([]string, len(marked))
	for i, c := range marked {
		ids[i] = c.ID
	}
	var removed []storedConn
	_, err = v.update(ctx, appID, owner, func(g *grantRecord) error {
		removed = removed[:0]
		g.Conns = slices.DeleteFunc(g.Conns, func(c storedConn) bool {
			if slices.Contains(ids, c.ID) {
				removed = append(removed, c)
				return true
			}
			return false
		})
		if len(removed) == 0 {
			return errNoChange
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("disconnect app %q: %w", appID, err)
	}
	for _, r := range removed {
		i := slices.Index(ids, r.ID)
		if r.Gen != marked[i].Gen && !skipRevoke && appErr == nil {
			more, rerr := v.tryRevoke(ctx, &app, nil, &r, false)
			out[i].Revoked = unionScopes(out[i].Revoked, more)
			if rerr != "" && out[i].RevokeError == "" {
				out[i].RevokeError = rerr
			}
		}
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = v.keys.Connection(id)
	}
	if err := v.store.Delete(ctx, keys...); err != nil {
		v.log.WarnContext(ctx, "outbound: remove connection pointers", "app", appID, "error", err)
	}
	for i := range marked {
		if len(out[i].Revoked) > 0 {
			v.emit(ctx, EventConnectionRevoked, &marked[i].Connection, "")
		}
		v.emit(ctx, EventConnectionDeleted, &marked[i].Connection, "disconnected")
	}
	return out, nil
}

// tryRevoke revokes one connection's tokens and says what happened, never failing the
// disconnect.
func (v *Vault) tryRevoke(ctx context.Context, app *apps.App, appErr error, c *storedConn, skip bool) ([]string, string) {
	switch {
	case skip:
		return []string{}, "not revoked: skipped by request"
	case appErr != nil:
		if errors.Is(appErr, apps.ErrAppNotFound) {
			return []string{}, "not revoked: the app no longer exists"
		}
		return []string{}, "not revoked: " + oneLine(appErr.Error(), 200)
	}
	minted, err := v.minted(ctx, app, &c.Connection)
	if errors.Is(err, apps.ErrTenantRevisionGone) {
		return []string{}, "not revoked: the tenant settings that minted the connection were removed"
	}
	if err != nil {
		return []string{}, "not revoked: " + oneLine(err.Error(), 200)
	}
	revoked, err := v.revokeTokens(ctx, &minted, c)
	if revoked == nil {
		revoked = []string{}
	}
	if err != nil {
		v.log.WarnContext(ctx, "outbound: revoke at the provider failed; deleting the connection anyway", "connection", c.Connection, "error", err)
		return revoked, oneLine(err.Error(), 300)
	}
	return revoked, ""
}
