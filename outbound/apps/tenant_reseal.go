package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/store"
)

// resealTenants seals the client secrets of an app's tenant settings, every kept revision, again
// under the keyring's active key. It counts the records examined and rewritten.
func (a *Apps) resealTenants(ctx context.Context, appID string) (scanned, resealed int, errs []error) {
	tenants, err := a.opts.Store.SetMembers(ctx, a.keys().TenantIndex(appID))
	if err != nil {
		return 0, 0, []error{fmt.Errorf("app %q: list tenants: %w", appID, err)}
	}
	slices.Sort(tenants)
	for _, t := range tenants {
		found, did, err := a.resealTenant(ctx, appID, t)
		if found {
			scanned++
		}
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("app %q, tenant %q: %w", appID, t, err))
		case did:
			resealed++
		}
	}
	return scanned, resealed, errs
}

// resealTenant reseals one tenant's record if any of its secrets is under an old key. found is
// false when the settings were deleted meanwhile.
func (a *Apps) resealTenant(ctx context.Context, appID, tenantID string) (found, resealed bool, err error) {
	for attempt := 1; ; attempt++ {
		rec, rev, err := a.loadTenant(ctx, appID, tenantID)
		switch {
		case errors.Is(err, ErrTenantSettingsNotFound):
			return false, false, nil
		case err != nil:
			return true, false, err
		}
		entries := []*tenantEntry{&rec.Current}
		for i := range rec.Superseded {
			entries = append(entries, &rec.Superseded[i])
		}
		changed := false
		for _, e := range entries {
			if e.ClientSecret == "" || !a.opts.Keyring.NeedsReseal(e.ClientSecret) {
				continue
			}
			s, err := a.openTenant(*e)
			if err != nil {
				return true, false, err
			}
			if *e, err = a.sealTenant(s); err != nil {
				return true, false, err
			}
			changed = true
		}
		if !changed {
			return true, false, nil
		}
		err = a.writeTenant(ctx, rev, rec)
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, store.ErrNotFound):
			return false, false, nil
		case errors.Is(err, store.ErrConflict) && attempt < maxUpdateAttempts:
			continue
		}
		return true, false, err
	}
}
