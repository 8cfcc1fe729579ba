package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Reasons a connection needs its owner to connect again after a tenant's settings changed.
const (
	reasonTenantClientRemoved   = "the tenant's OAuth client was removed; connect again to use the app's current client"
	reasonTenantSettingsRemoved = "the tenant's app settings were removed; connect again to use the app's current settings"
)

// forOwner returns app as a new consent of owner uses it: with its tenant's settings when the
// owner belongs to a tenant that has some (see apps.Apps.ForTenant).
func (v *Vault) forOwner(ctx context.Context, app apps.App, owner outbound.Owner) (apps.App, apps.TenantClient, error) {
	return v.apps.ForTenant(ctx, app, owner.TenantID)
}

// minted returns app as it was when it minted c: the tenant settings revision the connection
// records, or the app itself. A connection whose settings are gone gives an error matching
// apps.ErrTenantRevisionGone: it is never refreshed or revoked with another client.
func (v *Vault) minted(ctx context.Context, app *apps.App, c *Connection) (apps.App, error) {
	if c.SettingsRevision == 0 {
		return *app, nil
	}
	return v.apps.ForTenantRevision(ctx, *app, c.SettingsTenantID, c.SettingsRevision)
}

// mintedOrReauth is minted for a refresh: when the minting settings are gone, the connection is
// marked needs_reauth and the *ReauthRequiredError returned.
func (v *Vault) mintedOrReauth(ctx context.Context, app *apps.App, owner outbound.Owner, c *storedConn) (apps.App, error) {
	m, err := v.minted(ctx, app, &c.Connection)
	if !errors.Is(err, apps.ErrTenantRevisionGone) {
		return m, err
	}
	a := refreshAsk{app: app, owner: owner, connID: c.ID, seenGen: c.Gen}
	if _, err := v.markNeedsReauth(ctx, nil, a, c, reasonTenantSettingsRemoved); err != nil {
		return apps.App{}, err
	}
	e := reauthError(app, c)
	e.Reason = reasonTenantSettingsRemoved
	return apps.App{}, e
}

// TenantRevisionsInUse lists the revisions of a tenant's settings of an app that its
// connections were minted with; it is meant for apps.Apps.TenantRevisionsInUse. It reads one
// record per owner of the app: settings change rarely.
func (v *Vault) TenantRevisionsInUse(ctx context.Context, appID, tenantID string) ([]int64, error) {
	var out []int64
	err := v.eachTenantRecord(ctx, appID, func(g *grantRecord) {
		for _, c := range g.Conns {
			if c.SettingsTenantID == tenantID && c.SettingsRevision > 0 && !slices.Contains(out, c.SettingsRevision) {
				out = append(out, c.SettingsRevision)
			}
		}
	})
	return out, err
}

// TenantRemoved marks needs_reauth, with a reason and a connection.needs_reauth event, every
// working connection minted with the tenant's client (or, when all its settings go, with any of
// its settings); it is meant for apps.Apps.OnTenantRemoval. It is idempotent.
func (v *Vault) TenantRemoved(ctx context.Context, r apps.TenantRemoval) error {
	affected := func(c *storedConn) bool {
		if c.SettingsTenantID != r.TenantID || c.SettingsRevision == 0 || c.Status != StatusActive {
			return false
		}
		return r.AllSettings || c.Client == apps.ClientTenant
	}
	reason := reasonTenantClientRemoved
	if r.AllSettings {
		reason = reasonTenantSettingsRemoved
	}
	var owners []outbound.Owner
	if err := v.eachTenantRecord(ctx, r.AppID, func(g *grantRecord) {
		if slices.ContainsFunc(g.Conns, func(c storedConn) bool { return affected(&c) }) {
			owners = append(owners, g.Owner)
		}
	}); err != nil {
		return err
	}
	for _, o := range owners {
		var marked []Connection
		_, err := v.update(ctx, r.AppID, o, func(g *grantRecord) error {
			marked = marked[:0]
			for i := range g.Conns {
				if c := &g.Conns[i]; affected(c) {
					c.Status, c.StatusReason, c.LastRefreshError, c.UpdatedAt = StatusNeedsReauth, reason, reason, v.now()
					marked = append(marked, c.Connection.clone())
				}
			}
			if len(marked) == 0 {
				return errNoChange
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("retire connections of tenant %q for app %q: %w", r.TenantID, r.AppID, err)
		}
		for i := range marked {
			v.log.WarnContext(ctx, "outbound: connection needs its owner to connect again", "connection", marked[i], "reason", reason)
			v.emit(ctx, EventConnectionNeedsReauth, &marked[i], reason)
		}
	}
	return nil
}

// eachTenantRecord calls fn with the record of every owner of an app.
func (v *Vault) eachTenantRecord(ctx context.Context, appID string, fn func(g *grantRecord)) error {
	owners, err := v.appOwners(ctx, appID)
	if err != nil {
		return err
	}
	for _, o := range owners {
		g, err := v.load(ctx, appID, o)
		if err != nil {
			return err
		}
		fn(g)
	}
	return nil
}
