package apps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// tenantRecordVersion is the format of the stored tenant settings record.
const tenantRecordVersion = 1

// maxSupersededRevisions bounds the earlier revisions a tenant's record keeps.
const maxSupersededRevisions = 50

// tenantRecord is what one tenant's settings of one app hold in Redis: the current revision
// and the earlier ones connections still use, each with its client secret sealed beside it.
type tenantRecord struct {
	V       int         `json:"v"`
	Current tenantEntry `json:"current"`
	// Superseded are earlier revisions, oldest first.
	Superseded []tenantEntry `json:"superseded,omitempty"`
}

// tenantEntry is one revision: the settings (whose JSON never carries the secret) and the
// client secret sealed with associated data naming the app, the tenant and the revision.
type tenantEntry struct {
	Settings     TenantSettings `json:"settings"`
	ClientSecret string         `json:"sealedClientSecret,omitempty"`
}

func tenantSecretAAD(appID, tenantID string, rev int64) []byte {
	return fmt.Appendf(nil, "outflow:app:%s:tenant:%q:rev:%d:clientSecret", appID, tenantID, rev)
}

func (a *Apps) sealTenant(s TenantSettings) (tenantEntry, error) {
	e := tenantEntry{Settings: s.Clone()}
	e.Settings.ClientSecret = outbound.Secret{}
	if !s.ClientSecret.IsZero() {
		sealed, err := a.opts.Keyring.Seal([]byte(s.ClientSecret.Reveal()), tenantSecretAAD(s.AppID, s.TenantID, s.Revision))
		if err != nil {
			return tenantEntry{}, fmt.Errorf("seal client secret of tenant %q: %w", s.TenantID, err)
		}
		e.ClientSecret = sealed
	}
	return e, nil
}

func (a *Apps) openTenant(e tenantEntry) (TenantSettings, error) {
	s := e.Settings.Clone()
	if e.ClientSecret != "" {
		plain, err := a.opts.Keyring.Open(e.ClientSecret, tenantSecretAAD(s.AppID, s.TenantID, s.Revision))
		if err != nil {
			return TenantSettings{}, fmt.Errorf("open client secret of tenant %q: %w", s.TenantID, err)
		}
		s.ClientSecret = outbound.NewSecret(string(plain))
	}
	return s, nil
}

// loadTenant reads a tenant's record and its revision; a missing one gives
// ErrTenantSettingsNotFound.
func (a *Apps) loadTenant(ctx context.Context, appID, tenantID string) (*tenantRecord, int64, error) {
	r, err := a.opts.Store.Get(ctx, a.keys().TenantSettings(appID, tenantID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, 0, ErrTenantSettingsNotFound
	case err != nil:
		return nil, 0, err
	}
	var rec tenantRecord
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return nil, 0, fmt.Errorf("decode settings of tenant %q: %w", tenantID, err)
	}
	if rec.V != tenantRecordVersion {
		return nil, 0, fmt.Errorf("decode settings of tenant %q: record format %d is not supported (want %d); upgrade Outflow", tenantID, rec.V, tenantRecordVersion)
	}
	if s := rec.Current.Settings; s.AppID != appID || s.TenantID != tenantID {
		return nil, 0, fmt.Errorf("decode settings of tenant %q: the record belongs to another app or tenant", tenantID)
	}
	return &rec, r.Rev, nil
}

// writeTenant writes a record over revision rev (0: a new record) and indexes the tenant.
func (a *Apps) writeTenant(ctx context.Context, rev int64, rec *tenantRecord) error {
	rec.V = tenantRecordVersion
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode tenant settings: %w", err)
	}
	s := rec.Current.Settings
	k := a.keys()
	_, err = a.opts.Store.PutIndexed(ctx, store.IndexedPut{Key: k.TenantSettings(s.AppID, s.TenantID), ExpectRev: rev, Data: data,
		IndexKey: k.TenantIndex(s.AppID), Member: s.TenantID})
	return err
}

// keepSuperseded returns the superseded entries to keep: those connections use (all of them
// when known is false: nobody said), at most maxSupersededRevisions, the newest.
func keepSuperseded(entries []tenantEntry, inUse []int64, known bool) []tenantEntry {
	out := slices.DeleteFunc(slices.Clone(entries), func(e tenantEntry) bool {
		return known && !slices.Contains(inUse, e.Settings.Revision)
	})
	if len(out) > maxSupersededRevisions {
		out = out[len(out)-maxSupersededRevisions:]
	}
	return out
}

// deleteAppTenants removes every tenant's settings of an app being deleted.
func (a *Apps) deleteAppTenants(ctx context.Context, appID string) error {
	k := a.keys()
	tenants, err := a.opts.Store.SetMembers(ctx, k.TenantIndex(appID))
	if err != nil {
		return err
	}
	keys := []string{k.TenantIndex(appID)}
	for _, t := range tenants {
		keys = append(keys, k.TenantSettings(appID, t))
	}
	return a.opts.Store.Delete(ctx, keys...)
}
