package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/store"
)

// ResealReport says what a key rotation pass did. Kind names what was resealed ("apps" here;
// the token vault and the API-key store report their own kinds).
type ResealReport struct {
	Kind string `json:"kind"`
	// Scanned counts the records examined.
	Scanned int `json:"scanned"`
	// Resealed counts the records rewritten under the active key.
	Resealed int `json:"resealed"`
	// Failed counts the records that could not be resealed (see the returned error).
	Failed int `json:"failed"`
}

// ResealKindApps is the ResealReport.Kind of Apps.Reseal.
const ResealKindApps = "apps"

// Reseal seals every app's client secret, and those of its tenants' settings, again under the
// keyring's active key. Rotate keys by
// putting a new key first in the keyring ("new,old"), restarting every instance, running
// Reseal, and only then dropping the old key.
//
// Each app is rewritten with a compare-and-set, so a concurrent update is never lost (the update
// seals under the active key itself). Reseal is idempotent and can be interrupted and run again.
// It goes through every app even when some fail; the error then names each failed app (never a
// secret) and the report counts them.
func (a *Apps) Reseal(ctx context.Context) (ResealReport, error) {
	rep := ResealReport{Kind: ResealKindApps}
	ids, err := a.opts.Store.SetMembers(ctx, a.keys().AppIndex())
	if err != nil {
		return rep, fmt.Errorf("reseal apps: %w", err)
	}
	slices.Sort(ids)
	var errs []error
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("reseal apps: %w", err)
		}
		found, resealed, err := a.resealOne(ctx, id)
		if found {
			rep.Scanned++
		}
		switch {
		case err != nil:
			rep.Failed++
			errs = append(errs, fmt.Errorf("app %q: %w", id, err))
		case resealed:
			rep.Resealed++
		}
		scanned, resealedTenants, terrs := a.resealTenants(ctx, id)
		rep.Scanned, rep.Resealed, rep.Failed = rep.Scanned+scanned, rep.Resealed+resealedTenants, rep.Failed+len(terrs)
		errs = append(errs, terrs...)
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("reseal apps: %d of %d failed: %w", rep.Failed, rep.Scanned, errors.Join(errs...))
	}
	if rep.Resealed > 0 {
		a.opts.LoggerOrDefault().InfoContext(ctx, "outbound app secrets resealed", "resealed", rep.Resealed, "scanned", rep.Scanned, "key", a.opts.Keyring.ActiveID())
	}
	return rep, nil
}

// resealOne reseals one app's secret if it is under an old key. found is false when the app was
// deleted meanwhile.
func (a *Apps) resealOne(ctx context.Context, id string) (found, resealed bool, err error) {
	for attempt := 1; ; attempt++ {
		rec, rev, err := a.loadRecord(ctx, id)
		switch {
		case errors.Is(err, ErrAppNotFound):
			return false, false, nil
		case err != nil:
			return true, false, err
		}
		if rec.ClientSecret == "" || !a.opts.Keyring.NeedsReseal(rec.ClientSecret) {
			return true, false, nil
		}
		app, err := a.open(rec)
		if err != nil {
			return true, false, err
		}
		err = a.replace(ctx, rev, app)
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, ErrAppNotFound):
			return false, false, nil
		case errors.Is(err, store.ErrConflict) && attempt < maxUpdateAttempts:
			continue
		}
		return true, false, err
	}
}
