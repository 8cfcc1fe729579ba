package oauth

import (
	"context"
	"errors"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Error codes of a consent that targeted a connection (ConnectRequest.ConnectionID) and could not
// renew it; they are CallbackResult.ErrorCode values.
const (
	// ErrorAccountMismatch: the consent came back for another provider account than the
	// connection's. Nothing is stored; the user must sign in at the provider with the account
	// the connection belongs to.
	ErrorAccountMismatch = "account_mismatch"
	// ErrorConnectionGone: the connection was deleted while its consent was in progress.
	ErrorConnectionGone = "connection_not_found"
	// ErrorInvalidMetadata: merging the consent's metadata into the connection's would break
	// the metadata rules (see CheckMetadata).
	ErrorInvalidMetadata = "invalid_metadata"
)

var (
	errAccountMismatch = errors.New("oauth: the consent was given for another provider account than the connection's")
	errTargetGone      = errors.New("oauth: the connection to renew no longer exists")
)

// targetConnection completes a connect that names a connection to renew: its app, owner and
// external id are the connection's (a request naming others is refused), and it asks for the
// connection's granted scopes plus the requested ones. A request without ConnectionID is left
// as it is.
func (v *Vault) targetConnection(ctx context.Context, req *ConnectRequest) error {
	if req.ConnectionID == "" {
		return nil
	}
	conn, err := v.Connection(ctx, req.ConnectionID)
	if err != nil {
		var nf *ConnectionNotFoundError
		if errors.As(err, &nf) {
			return &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: []outbound.FieldError{{Field: "connectionId", Message: "no connection has this id"}}}
		}
		return err
	}
	var p fieldProblems
	if req.AppID != "" && req.AppID != conn.AppID {
		p.add("connectionId", "is a connection of app %q, not of %q", conn.AppID, req.AppID)
	}
	if !req.Owner.IsZero() && (req.Owner.Kind() != conn.Owner.Kind() || req.Owner.ID() != conn.Owner.ID()) {
		p.add("connectionId", "belongs to another owner than the request's")
	}
	if req.ExternalID != "" && req.ExternalID != conn.ExternalID {
		p.add("externalId", "differs from the connection's; leave it out to reconnect the connection")
	}
	if err := p.err(); err != nil {
		return err
	}
	req.AppID, req.Owner, req.ExternalID = conn.AppID, conn.Owner, conn.ExternalID
	req.Scopes = unionScopes(conn.Scopes, req.Scopes)
	return nil
}

// targetIndex returns the index in g of the connection a targeted grant renews, refusing a grant
// for another provider account. The accounts are compared when both are known (the connection
// recorded a subject and the consent yielded one).
func targetIndex(g *grantRecord, in *grantInput) (int, error) {
	i := g.find(in.connectionID)
	if i < 0 {
		return -1, errTargetGone
	}
	c := &g.Conns[i]
	if c.Subject != "" && in.subject != "" && c.Subject != in.subject {
		return -1, errAccountMismatch
	}
	in.externalID = c.ExternalID
	return i, nil
}

// failing reports whether c was failing before a reconnect: it needed re-authentication or its
// refreshes were failing.
func (c *storedConn) failing() bool {
	return c.Status == StatusNeedsReauth || c.RefreshFailures > 0 || c.LastRefreshError != ""
}

// consentFailure turns a failed save of a consent into a CallbackResult code and message.
func consentFailure(err error) (code, msg string) {
	var inv *outbound.InvalidError
	switch {
	case errors.Is(err, errAccountMismatch):
		return ErrorAccountMismatch, "You signed in with another account than the one this connection belongs to; sign in with that account and try again."
	case errors.Is(err, errTargetGone):
		return ErrorConnectionGone, "The connection was removed while you were consenting; connect again."
	case errors.As(err, &inv):
		return ErrorInvalidMetadata, "The connection's metadata would break its limits; nothing was changed."
	}
	return "server_error", "The connection could not be saved; try again."
}

// discardGrant revokes, as far as the provider allows, the tokens of a consent that is not
// stored (given for another account than the connection's), so no live grant is left behind
// that nobody holds. Failures are logged without the tokens.
func (v *Vault) discardGrant(ctx context.Context, pc *providerConf, app *apps.App, tr tokenResult) {
	if pc.revocationURL == "" {
		return
	}
	for _, t := range []struct{ token, hint string }{{tr.refresh, HintRefreshToken}, {tr.access, HintAccessToken}} {
		if t.token == "" {
			continue
		}
		if err := v.revokeToken(ctx, app, pc.revocationURL, t.token, t.hint); err != nil {
			v.log.WarnContext(ctx, "outbound: revoke the tokens of a refused consent", "app", app.ID, "hint", t.hint, "error", err)
		}
	}
}
