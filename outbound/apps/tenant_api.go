package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// PutTenantSettings replaces a tenant's settings of an OAuth app (see TenantSettings) and
// returns them at their new revision; a put that changes nothing writes nothing. The settings
// are checked as the app they make (App.WithTenant) is: an *outbound.InvalidError (ErrInvalidApp)
// lists every bad field. An unknown app gives ErrAppNotFound.
//
// Connections minted with earlier revisions keep using them: the revisions they use stay kept,
// client secret included (see TenantRevisionsInUse). A put that drops the tenant's client
// (no clientId where there was one) runs the OnTenantRemoval hooks first, which mark the
// connections that client minted needs_reauth.
func (a *Apps) PutTenantSettings(ctx context.Context, appID, tenantID string, in TenantSettingsInput) (TenantSettings, error) {
	for attempt := 1; ; attempt++ {
		s, err := a.putTenantOnce(ctx, appID, tenantID, in)
		if errors.Is(err, store.ErrConflict) && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return TenantSettings{}, fmt.Errorf("put settings of tenant %q for app %q: %w", tenantID, appID, err)
		}
		return s, nil
	}
}

func (a *Apps) putTenantOnce(ctx context.Context, appID, tenantID string, in TenantSettingsInput) (TenantSettings, error) {
	app, err := a.oauthApp(ctx, appID)
	if err != nil {
		return TenantSettings{}, err
	}
	rec, rev, err := a.loadTenant(ctx, appID, tenantID)
	if err != nil && !errors.Is(err, ErrTenantSettingsNotFound) {
		return TenantSettings{}, err
	}
	var cur *TenantSettings
	if rec != nil {
		c, err := a.openTenant(rec.Current)
		if err != nil && in.ClientSecret == nil && !in.ClearClientSecret {
			return TenantSettings{}, err
		}
		if err != nil {
			// The stored secret no longer opens (its key left the keyring); a put that replaces
			// or clears it repairs the settings.
			c = rec.Current.Settings.Clone()
		}
		cur = &c
	}
	next, err := in.next(cur, appID, tenantID)
	var probs Problems
	probs.Merge(err)
	if !probs.has("tenantId") {
		_, err = app.WithTenant(&next, a.Catalog())
		probs.Merge(err)
	}
	if err := probs.Err(); err != nil {
		return TenantSettings{}, err
	}
	if cur != nil && cur.same(&next) {
		return *cur, nil
	}
	now := a.now()
	next.Revision, next.CreatedAt, next.UpdatedAt = 1, now, now
	out := tenantRecord{}
	if cur != nil {
		next.Revision, next.CreatedAt = cur.Revision+1, cur.CreatedAt
		if err := a.supersede(ctx, rec, &out); err != nil {
			return TenantSettings{}, err
		}
		if cur.ClientID != "" && next.ClientID == "" {
			if err := a.runTenantRemoval(ctx, TenantRemoval{AppID: appID, TenantID: tenantID}); err != nil {
				return TenantSettings{}, fmt.Errorf("retire the tenant's client: %w", err)
			}
		}
	}
	if out.Current, err = a.sealTenant(next); err != nil {
		return TenantSettings{}, err
	}
	if err := a.writeTenant(ctx, rev, &out); err != nil {
		return TenantSettings{}, err
	}
	a.opts.LoggerOrDefault().InfoContext(ctx, "outbound tenant settings written", "app", appID, "tenant", tenantID,
		"revision", next.Revision, "client", next.Client(), "actor", outbound.ActorOf(ctx))
	return next, nil
}

// supersede moves rec's current revision among the superseded ones of out, dropping those no
// connection uses any more.
func (a *Apps) supersede(ctx context.Context, rec *tenantRecord, out *tenantRecord) error {
	entries := append(slices.Clone(rec.Superseded), rec.Current)
	var inUse []int64
	fn := a.tenantHooks().inUse
	if fn != nil {
		s := rec.Current.Settings
		var err error
		if inUse, err = fn(ctx, s.AppID, s.TenantID); err != nil {
			return fmt.Errorf("list the revisions connections use: %w", err)
		}
	}
	out.Superseded = keepSuperseded(entries, inUse, fn != nil)
	return nil
}

// TenantSettings returns a tenant's current settings of an app, client secret included (show
// them with View). ErrTenantSettingsNotFound when it has none; ErrAppNotFound when the app is
// unknown.
func (a *Apps) TenantSettings(ctx context.Context, appID, tenantID string) (TenantSettings, error) {
	if _, err := a.Get(ctx, appID); err != nil {
		return TenantSettings{}, fmt.Errorf("get settings of tenant %q: %w", tenantID, err)
	}
	rec, _, err := a.loadTenant(ctx, appID, tenantID)
	if err != nil {
		return TenantSettings{}, fmt.Errorf("get settings of tenant %q for app %q: %w", tenantID, appID, err)
	}
	s, err := a.openTenant(rec.Current)
	if err != nil {
		return TenantSettings{}, fmt.Errorf("get settings of tenant %q for app %q: %w", tenantID, appID, err)
	}
	return s, nil
}

// ListTenantSettings returns the settings of every tenant of an app, sorted by tenant id, each
// without its client secret (HasClientSecret in the view tells).
func (a *Apps) ListTenantSettings(ctx context.Context, appID string) ([]TenantSettingsView, error) {
	tenants, err := a.opts.Store.SetMembers(ctx, a.keys().TenantIndex(appID))
	if err != nil {
		return nil, fmt.Errorf("list tenant settings of app %q: %w", appID, err)
	}
	slices.Sort(tenants)
	out := []TenantSettingsView{}
	for _, t := range tenants {
		rec, _, err := a.loadTenant(ctx, appID, t)
		if errors.Is(err, ErrTenantSettingsNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list tenant settings of app %q: %w", appID, err)
		}
		v := rec.Current.Settings.View()
		v.HasClientSecret = rec.Current.ClientSecret != ""
		out = append(out, v)
	}
	return out, nil
}

// DeleteTenantSettings removes a tenant's settings of an app, every revision and client secret
// with them. The OnTenantRemoval hooks run first: the connections minted with the settings
// become needs_reauth. ErrTenantSettingsNotFound when there are none.
func (a *Apps) DeleteTenantSettings(ctx context.Context, appID, tenantID string) error {
	if _, _, err := a.loadTenant(ctx, appID, tenantID); err != nil {
		return fmt.Errorf("delete settings of tenant %q for app %q: %w", tenantID, appID, err)
	}
	if err := a.runTenantRemoval(ctx, TenantRemoval{AppID: appID, TenantID: tenantID, AllSettings: true}); err != nil {
		return fmt.Errorf("delete settings of tenant %q for app %q: %w", tenantID, appID, err)
	}
	k := a.keys()
	if err := a.opts.Store.DeleteIndexed(ctx, k.TenantSettings(appID, tenantID), k.TenantIndex(appID), tenantID); err != nil {
		return fmt.Errorf("delete settings of tenant %q for app %q: %w", tenantID, appID, err)
	}
	a.opts.LoggerOrDefault().InfoContext(ctx, "outbound tenant settings deleted", "app", appID, "tenant", tenantID, "actor", outbound.ActorOf(ctx))
	return nil
}

// ForTenant returns app as a new consent of the tenant uses it (see App.WithTenant) and which
// client and settings revision that is. A tenant without settings uses the app as it is
// (ClientApp, revision 0).
func (a *Apps) ForTenant(ctx context.Context, app App, tenantID string) (App, TenantClient, error) {
	none := TenantClient{Client: ClientApp}
	if tenantID == "" {
		return app, none, nil
	}
	rec, _, err := a.loadTenant(ctx, app.ID, tenantID)
	if errors.Is(err, ErrTenantSettingsNotFound) {
		return app, none, nil
	}
	if err != nil {
		return App{}, none, fmt.Errorf("settings of tenant %q for app %q: %w", tenantID, app.ID, err)
	}
	s, err := a.openTenant(rec.Current)
	if err != nil {
		return App{}, none, fmt.Errorf("settings of tenant %q for app %q: %w", tenantID, app.ID, err)
	}
	out, err := app.WithTenant(&s, a.Catalog())
	if err != nil {
		return App{}, none, fmt.Errorf("settings of tenant %q for app %q no longer fit the app; put them again: %w", tenantID, app.ID, err)
	}
	return out, TenantClient{Client: s.Client(), TenantID: tenantID, Revision: s.Revision}, nil
}

// ForTenantRevision returns app as revision rev of the tenant's settings made it: what a
// connection minted with that revision is refreshed and revoked with. When the tenant's current
// settings name the same client, their client secret is used (a rotated secret reaches the
// connections of that client). ErrTenantRevisionGone when the revision is no longer kept.
func (a *Apps) ForTenantRevision(ctx context.Context, app App, tenantID string, rev int64) (App, error) {
	rec, _, err := a.loadTenant(ctx, app.ID, tenantID)
	if errors.Is(err, ErrTenantSettingsNotFound) {
		return App{}, ErrTenantRevisionGone
	}
	if err != nil {
		return App{}, fmt.Errorf("settings of tenant %q for app %q: %w", tenantID, app.ID, err)
	}
	entries := append(slices.Clone(rec.Superseded), rec.Current)
	i := slices.IndexFunc(entries, func(e tenantEntry) bool { return e.Settings.Revision == rev })
	if i < 0 {
		return App{}, ErrTenantRevisionGone
	}
	s, err := a.openTenant(entries[i])
	if err != nil {
		return App{}, fmt.Errorf("settings of tenant %q for app %q: %w", tenantID, app.ID, err)
	}
	if cur := rec.Current.Settings; s.ClientID != "" && cur.ClientID == s.ClientID && cur.Revision != s.Revision {
		c, err := a.openTenant(rec.Current)
		if err != nil {
			return App{}, fmt.Errorf("settings of tenant %q for app %q: %w", tenantID, app.ID, err)
		}
		s.ClientSecret = c.ClientSecret
	}
	// Not validated again: the revision was valid when written, and a later change of the app
	// must not stop the connections it minted from refreshing.
	var probs Problems
	return app.overlay(&s, a.Catalog(), &probs), nil
}

// oauthApp reads an app fresh from Redis and refuses apps of other kinds.
func (a *Apps) oauthApp(ctx context.Context, appID string) (App, error) {
	if !outbound.IsAppID(appID) {
		return App{}, ErrAppNotFound
	}
	app, _, err := a.load(ctx, appID)
	if err != nil {
		return App{}, err
	}
	if app.Kind != KindOAuth2 {
		return App{}, outbound.Invalid(ErrInvalidApp, outbound.FieldError{Field: "appId", Message: "only oauth2 apps take tenant settings"})
	}
	return app, nil
}
