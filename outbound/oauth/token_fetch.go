package oauth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// FetchRequest asks for a usable access token.
type FetchRequest struct {
	AppID string
	Owner outbound.Owner
	// Scopes, when set, must all have been granted: any connection whose granted scopes include
	// them will do (not only one with exactly these scopes).
	Scopes []string
	// ExternalID limits the choice to the connections with this external id.
	ExternalID string
	// ConnectionID picks one connection.
	ConnectionID string
	// ForceRefresh refreshes the token even when it is still valid (for example after the
	// provider's API answered 401). Concurrent forced fetches of one connection share one
	// refresh. While the connection backs off after a transient failure, a forced fetch fails
	// with a *RefreshFailedError until its nextRefreshAt rather than call the provider again.
	ForceRefresh bool
	// WithRefreshToken also returns the refresh token.
	WithRefreshToken bool
	// Rejected is an access token the provider's API refused (401). When the connection still
	// holds it, the fetch refreshes as ForceRefresh does; when the connection has moved on (another
	// caller or process refreshed it meanwhile), its current token is returned without a second
	// refresh. A burst of rejections of one token thus costs the provider one refresh.
	Rejected string
}

// Fetch returns a valid access token for an owner and an app, and the connection it belongs to.
// Without ConnectionID or ExternalID it picks the most recently connected working connection
// whose scopes cover Scopes.
//
// A token valid beyond the app's refresh margin costs one Redis round trip. Otherwise the token
// is refreshed: at most one refresh per connection runs at a time across every process sharing
// the Redis; the others wait for it and use its result. While the provider fails transiently, a
// still-valid token keeps being served and the provider is not called again before the
// connection's nextRefreshAt. Tokens a refresh obtained are never lost to a failed write: when
// Redis does not take them they are held in the process and served, and refreshed from, until a
// background retry writes them (see Close).
//
// Errors: *NotConnectedError, *MissingScopesError (with the scopes to connect for),
// *ReauthRequiredError (no provider call is made for such a connection), *RefreshFailedError
// (the token expired and the provider is failing; retry later), *outbound.InvalidError,
// ErrAppNotFound, *NotOAuthAppError.
func (v *Vault) Fetch(ctx context.Context, req FetchRequest) (_ *Token, _ *Connection, err error) {
	defer v.observeFetch(req.AppID, time.Now(), &err)
	if err := req.validate(); err != nil {
		return nil, nil, err
	}
	app, err := v.oauthApp(ctx, req.AppID)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch token of app %q: %w", req.AppID, err)
	}
	g, err := v.loadShared(ctx, app.ID, req.Owner)
	if err != nil {
		return nil, nil, err
	}
	c, err := choose(g, &req)
	if err != nil {
		return nil, nil, err
	}
	c = v.overlaid(app.ID, req.Owner, c)
	v.markUsed(ctx, c.ID)
	force := req.ForceRefresh
	if req.Rejected != "" {
		if force, err = v.holds(c, req.Rejected); err != nil {
			return nil, nil, err
		}
	}
	if !force && c.fresh(v.now(), app.Refresh.Margin()) {
		return v.result(c, req.WithRefreshToken)
	}
	if app, err = v.mintedOrReauth(ctx, &app, req.Owner, c); err != nil {
		return nil, nil, err
	}
	fresh, err := v.refresh(ctx, &app, req.Owner, *c, force)
	if err != nil {
		return nil, nil, err
	}
	return v.result(&fresh, req.WithRefreshToken)
}

// holds reports whether c's access token is still token, comparing in constant time.
func (v *Vault) holds(c *storedConn, token string) (bool, error) {
	at, err := v.open(c, fieldAccess, c.Access)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(at), []byte(token)) == 1, nil
}

func (v *Vault) result(c *storedConn, withRefresh bool) (*Token, *Connection, error) {
	t, err := v.token(c, withRefresh)
	if err != nil {
		return nil, nil, err
	}
	conn := c.Connection.clone()
	return t, &conn, nil
}

func (r *FetchRequest) validate() error {
	var p fieldProblems
	if r.AppID == "" {
		p.add("appId", "is required")
	}
	p.addAll(outbound.IDChecks{Owner: &r.Owner, MissingOwner: "set userId or tenantId",
		AppID: r.AppID, ConnID: r.ConnectionID, ExternalID: r.ExternalID}.Problems(""))
	p.checkScopes("", r.Scopes, false)
	return p.err()
}

// choose picks the connection a fetch uses: among those matching the connection id and external
// id, the ones granted every requested scope; of those a working one before a broken one, then
// the most recently connected.
func choose(g *grantRecord, req *FetchRequest) (*storedConn, error) {
	var cands []*storedConn
	for i := range g.Conns {
		c := &g.Conns[i]
		if (req.ConnectionID == "" || c.ID == req.ConnectionID) && (req.ExternalID == "" || c.ExternalID == req.ExternalID) {
			cands = append(cands, c)
		}
	}
	hint := ConnectHint{AppID: req.AppID, Owner: req.Owner, Scopes: req.Scopes, ExternalID: req.ExternalID}
	if len(cands) == 0 {
		if req.ConnectionID != "" {
			return nil, &ConnectionNotFoundError{ConnectionID: req.ConnectionID}
		}
		return nil, &NotConnectedError{AppID: req.AppID, Connect: hint}
	}
	better := func(a, b *storedConn) bool {
		if (a.Status == StatusActive) != (b.Status == StatusActive) {
			return a.Status == StatusActive
		}
		return a.ConnectedAt.After(b.ConnectedAt)
	}
	var best, closest *storedConn
	for _, c := range cands {
		miss := len(missingScopes(c.Scopes, req.Scopes))
		if miss == 0 {
			if best == nil || better(c, best) {
				best = c
			}
			continue
		}
		if cm := len(missingScopes(closestScopes(closest), req.Scopes)); closest == nil || miss < cm || (miss == cm && better(c, closest)) {
			closest = c
		}
	}
	if best == nil {
		hint.Scopes = unionScopes(closest.Scopes, req.Scopes)
		hint.ExternalID, hint.ConnectionID = closest.ExternalID, closest.ID
		return nil, &MissingScopesError{
			AppID: req.AppID, ConnectionID: closest.ID, Granted: slices.Clone(closest.Scopes),
			Missing: missingScopes(closest.Scopes, req.Scopes), Connect: hint,
		}
	}
	if best.Status != StatusActive {
		hint.Scopes = unionScopes(best.Scopes, req.Scopes)
		hint.ExternalID, hint.ConnectionID = best.ExternalID, best.ID
		return nil, &ReauthRequiredError{AppID: req.AppID, ConnectionID: best.ID, Reason: best.StatusReason, Granted: slices.Clone(best.Scopes), Connect: hint}
	}
	return best, nil
}

func closestScopes(c *storedConn) []string {
	if c == nil {
		return nil
	}
	return c.Scopes
}
