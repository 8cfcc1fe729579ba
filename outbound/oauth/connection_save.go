package oauth

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// grantInput is a new grant to store: from a consent or an import.
type grantInput struct {
	owner      outbound.Owner
	externalID string
	subject    string
	scopes     []string
	token      tokenResult
	grantedBy  string

	// connectionID, when set, is the connection the grant must renew (a targeted reconnect).
	connectionID string
	// metadata is merged into the connection's metadata (nil values remove keys).
	metadata map[string]any
	// client is the client and tenant settings revision that minted the grant.
	client apps.TenantClient
}

// newConnectionID returns a random connection id ("cn_" and 26 base32 characters).
func newConnectionID() string { return "cn_" + strings.ToLower(rand.Text()) }

// saveGrant stores a grant as a connection of its owner. It renews the connection it matches
// (see matchConnection), keeping that connection's id, or adds a new one. It reports whether an
// existing connection was renewed.
func (v *Vault) saveGrant(ctx context.Context, app *apps.App, in grantInput) (*Connection, bool, error) {
	newID := newConnectionID()
	var a applied
	_, err := v.update(ctx, app.ID, in.owner, func(g *grantRecord) error {
		var err error
		a, err = v.applyGrant(g, in, newID, v.now())
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if err := v.afterGrants(ctx, app.ID, in.owner, a); err != nil {
		return nil, false, err
	}
	return &a.conn, a.reconnected, nil
}

// applied is what applyGrant did to a record.
type applied struct {
	conn        Connection
	reconnected bool
	// recovered: the renewed connection was failing (needs_reauth or failing refreshes).
	recovered bool
	pruned    []string
}

// applyGrant puts a grant into g: it renews the matching connection or adds one with id newID,
// making room by dropping the least recently connected one when the record is full.
func (v *Vault) applyGrant(g *grantRecord, in grantInput, newID string, now time.Time) (applied, error) {
	var a applied
	i := matchConnection(g, in)
	if in.connectionID != "" {
		var err error
		if i, err = targetIndex(g, &in); err != nil {
			return applied{}, err
		}
	}
	if i < 0 {
		if len(g.Conns) >= maxConnectionsPerGrant {
			oldest := 0
			for j, c := range g.Conns {
				if c.ConnectedAt.Before(g.Conns[oldest].ConnectedAt) {
					oldest = j
				}
			}
			if err := v.readable(&g.Conns[oldest]); err != nil {
				return applied{}, err
			}
			a.pruned = append(a.pruned, g.Conns[oldest].ID)
			g.Conns = slices.Delete(g.Conns, oldest, oldest+1)
		}
		if g.Owner.ID() == "" {
			g.Owner = in.owner
		}
		g.Conns = append(g.Conns, storedConn{Connection: Connection{ID: newID, AppID: g.AppID, Owner: g.Owner, CreatedAt: now}})
		i = len(g.Conns) - 1
	} else {
		// Tokens that do not open are never overwritten: their sealing key may come back.
		if err := v.readable(&g.Conns[i]); err != nil {
			return applied{}, err
		}
		a.reconnected = true
	}
	c := &g.Conns[i]
	md, err := MergeMetadata(c.Metadata, in.metadata, "metadata")
	if err != nil {
		return applied{}, err
	}
	c.Metadata = md
	a.recovered = a.reconnected && c.failing()
	if a.reconnected && c.Status != StatusActive {
		// The old refresh token was refused or revoked: never fall back to it.
		c.Refresh = ""
	}
	c.ExternalID = in.externalID
	if in.subject != "" {
		c.Subject = in.subject
	}
	c.Scopes = slices.Clone(in.scopes)
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	c.TokenType = in.token.tokenType
	if in.token.apiBase != "" {
		c.APIBaseURL = in.token.apiBase
	}
	c.ExpiresAt, c.ExpirySource, c.IssuedAt = in.token.expiresAt, in.token.expirySource, now
	if in.token.apiBase != "" {
		c.APIBaseURL = in.token.apiBase
	}
	c.Status, c.StatusReason = StatusActive, ""
	c.LastRefreshError, c.NextRefreshAt, c.RefreshFailures = "", time.Time{}, 0
	c.GrantedBy = in.grantedBy
	c.Client, c.SettingsTenantID, c.SettingsRevision = in.client.Client, in.client.TenantID, in.client.Revision
	c.ConnectedAt, c.UpdatedAt = now, now
	if err := v.setTokens(c, in.token.access, in.token.refresh); err != nil {
		return applied{}, err
	}
	a.conn = c.Connection.clone()
	return a, nil
}

// afterGrants makes stored grants findable (app index, connection pointers), removes the
// pointers of pruned connections and publishes the events.
func (v *Vault) afterGrants(ctx context.Context, appID string, owner outbound.Owner, as ...applied) error {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.conn.ID
	}
	if err := v.linked(ctx, appID, owner, ids...); err != nil {
		return err
	}
	for _, a := range as {
		for _, id := range a.pruned {
			if err := v.store.Delete(ctx, v.keys.Connection(id)); err != nil {
				v.log.WarnContext(ctx, "outbound: remove pointer of a pruned connection", "connection", id, "error", err)
			}
			v.emit(ctx, EventConnectionDeleted, &Connection{ID: id, AppID: appID, Owner: owner},
				fmt.Sprintf("replaced: an owner keeps at most %d connections per app", maxConnectionsPerGrant))
		}
		reason := ""
		if a.reconnected {
			reason = "reconnected"
		}
		v.emit(ctx, EventConnectionCreated, &a.conn, reason)
		if a.recovered {
			v.emit(ctx, EventConnectionRecovered, &a.conn, "reconnected")
		}
	}
	return nil
}

// matchConnection finds the connection a new grant renews: the one with the same external id;
// without an external id, the one of the same provider account (subject) — when the new grant
// covers its scopes, or it no longer works — or, when the provider names no account, the one
// with exactly the same scopes. -1 when none: the grant becomes a new connection, so an owner
// may hold several tokens with different scope sets.
func matchConnection(g *grantRecord, in grantInput) int {
	for i := range g.Conns {
		c := &g.Conns[i]
		switch {
		case in.externalID != "" || c.ExternalID != "":
			if c.ExternalID == in.externalID {
				return i
			}
		case in.subject != "" && c.Subject == in.subject:
			if len(missingScopes(in.scopes, c.Scopes)) == 0 || c.Status != StatusActive {
				return i
			}
		case in.subject == "" && c.Subject == "" && sameScopes(c.Scopes, in.scopes):
			return i
		}
	}
	return -1
}

func sameScopes(a, b []string) bool {
	return len(missingScopes(a, b)) == 0 && len(missingScopes(b, a)) == 0
}
