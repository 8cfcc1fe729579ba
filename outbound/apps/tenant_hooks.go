package apps

import (
	"context"
	"slices"
)

// TenantRemoval is a tenant client, or all of a tenant's settings, being removed: the
// connections minted with them can no longer be refreshed or revoked.
type TenantRemoval struct {
	AppID    string
	TenantID string
	// AllSettings is true when the tenant's settings are deleted: every connection minted with
	// any revision of them is affected. Otherwise only the tenant's client goes (a put without
	// clientId): the connections it minted are affected.
	AllSettings bool
}

// tenantHooks are what the token vault does about tenant settings, registered by whoever
// builds it (see OnTenantRemoval and TenantRevisionsInUse).
type tenantHooks struct {
	removed []func(ctx context.Context, r TenantRemoval) error
	inUse   func(ctx context.Context, appID, tenantID string) ([]int64, error)
}

// OnTenantRemoval registers fn to run before a tenant's client or settings are removed. The
// token vault registers its TenantRemoved here, which marks the connections they minted
// needs_reauth: they are never refreshed with another client. When fn fails nothing is removed
// and the error is returned; a retry runs every hook again, so a hook must be idempotent.
func (a *Apps) OnTenantRemoval(fn func(ctx context.Context, r TenantRemoval) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tenants.removed = append(a.tenants.removed, fn)
}

// TenantRevisionsInUse sets how the registry learns which superseded revisions of a tenant's
// settings connections still use (the token vault's TenantRevisionsInUse): those are kept, with
// their sealed client secrets, and the others dropped when the settings change. Without it the
// newest superseded revisions are kept, up to a bound.
func (a *Apps) TenantRevisionsInUse(fn func(ctx context.Context, appID, tenantID string) ([]int64, error)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tenants.inUse = fn
}

func (a *Apps) tenantHooks() tenantHooks {
	a.mu.Lock()
	defer a.mu.Unlock()
	return tenantHooks{removed: slices.Clone(a.tenants.removed), inUse: a.tenants.inUse}
}

// runTenantRemoval runs the removal hooks.
func (a *Apps) runTenantRemoval(ctx context.Context, r TenantRemoval) error {
	for _, fn := range a.tenantHooks().removed {
		if err := fn(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
