package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/outflowhq/outflow/store"
)

// keyRecordVersion is the format of the stored API-key record.
const keyRecordVersion = 1

// keyRecord is what one (app, owner) API-key record holds: the active key and, until its
// overlap window ends, the key it replaced. Keys are sealed; the rest is metadata.
type keyRecord struct {
	V        int       `json:"v"`
	AppID    string    `json:"app"`
	Owner    Owner     `json:"owner"`
	Current  keyEntry  `json:"current"`
	Previous *keyEntry `json:"previous,omitempty"`
}

// keyEntry is one version of a key.
type keyEntry struct {
	Version   int               `json:"version"`
	Sealed    string            `json:"sealed"`
	CreatedAt time.Time         `json:"createdAt"`
	Last4     string            `json:"last4"`
	Fields    map[string]string `json:"fields,omitempty"`
	// ExpiresAt is set on a previous key: the end of its overlap window.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// keyOwner is the owner a key is filed under: the user alone for a user owner (the tenant a
// request names as context does not split a user's keys), the tenant for a tenant owner.
func keyOwner(o Owner) Owner {
	if o.UserID != "" {
		return Owner{UserID: o.UserID}
	}
	return Owner{TenantID: o.TenantID}
}

// apiKeyAAD binds a sealed key to its app, owner and version, so a sealed value copied onto
// another record, owner or version does not open. App ids hold no ':', the kind and version
// none either, so the id last keeps the string unambiguous.
func apiKeyAAD(appID string, o Owner, version int) []byte {
	return []byte("outflow:apikey:" + appID + ":" + o.Kind() + ":" + strconv.Itoa(version) + ":" + o.ID())
}

// last4 returns the end of a key that is safe to show: its last four characters, fewer for
// short keys, never more than a quarter of it.
func last4(key string) string {
	n := utf8.RuneCountInString(key)
	show := min(4, n/4)
	if show <= 0 {
		return ""
	}
	r := []rune(key)
	return string(r[n-show:])
}

// pruneExpired drops the previous key once its overlap window is over; it reports whether the
// record changed.
func (r *keyRecord) pruneExpired(now time.Time) bool {
	if r.Previous != nil && !now.Before(r.Previous.ExpiresAt) {
		r.Previous = nil
		return true
	}
	return false
}

// info is the record's metadata.
func (r *keyRecord) info() KeyInfo {
	info := KeyInfo{
		AppID: r.AppID, Owner: r.Owner, Version: r.Current.Version, CreatedAt: r.Current.CreatedAt,
		Last4: r.Current.Last4, Fields: maps.Clone(r.Current.Fields),
	}
	if info.Fields == nil {
		info.Fields = map[string]string{}
	}
	if r.Previous != nil {
		info.HasPrevious, info.PreviousExpiresAt = true, r.Previous.ExpiresAt
	}
	return info
}

// recordKey, indexKey and member name where an owner's key for an app lives. The subject
// index's member is the record key itself.
func (k *APIKeys) recordKey(o Owner, appID string) string {
	return k.opts.Store.Keys().APIKeys(o.Kind(), o.ID(), appID)
}

func (k *APIKeys) indexKey(o Owner) string {
	return k.opts.Store.Keys().SubjectIndex(o.Kind(), o.ID())
}

// seal seals key for its app, owner and version.
func (k *APIKeys) seal(appID string, o Owner, version int, key string) (string, error) {
	sealed, err := k.opts.Keyring.Seal([]byte(key), apiKeyAAD(appID, o, version))
	if err != nil {
		return "", fmt.Errorf("seal API key of app %q version %d: %w", appID, version, err)
	}
	return sealed, nil
}

// open opens one entry of a record.
func (k *APIKeys) open(r *keyRecord, e *keyEntry) (Secret, error) {
	plain, err := k.opts.Keyring.Open(e.Sealed, apiKeyAAD(r.AppID, r.Owner, e.Version))
	if err != nil {
		return Secret{}, fmt.Errorf("open API key of app %q version %d: %w", r.AppID, e.Version, err)
	}
	return NewSecret(string(plain)), nil
}

// load reads the record of an owner's key for an app with its revision; a missing record gives
// ErrKeyNotFound.
func (k *APIKeys) load(ctx context.Context, o Owner, appID string) (*keyRecord, int64, error) {
	return k.loadKey(ctx, k.recordKey(o, appID))
}

func (k *APIKeys) loadKey(ctx context.Context, key string) (*keyRecord, int64, error) {
	r, err := k.opts.Store.Get(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, 0, ErrKeyNotFound
	case err != nil:
		return nil, 0, err
	}
	var rec keyRecord
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		return nil, 0, fmt.Errorf("decode API-key record: %w", err)
	}
	if rec.V != keyRecordVersion {
		return nil, 0, fmt.Errorf("decode API-key record: format %d is not supported (want %d); upgrade Outflow", rec.V, keyRecordVersion)
	}
	if k.recordKey(rec.Owner, rec.AppID) != key {
		return nil, 0, fmt.Errorf("decode API-key record: it names app %q and another owner than its key", rec.AppID)
	}
	return &rec, r.Rev, nil
}

// save writes the record if it is still at rev (0: must not exist) and keeps it in the
// owner's index. It returns store.ErrConflict or store.ErrNotFound when another writer moved
// first.
func (k *APIKeys) save(ctx context.Context, rec *keyRecord, rev int64) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode API-key record: %w", err)
	}
	key := k.recordKey(rec.Owner, rec.AppID)
	_, err = k.opts.Store.PutIndexed(ctx, key, rev, data, 0, k.indexKey(rec.Owner), key)
	return err
}

// dropExpired removes an expired previous key from Redis for good, when a reader finds one. A
// lost race is fine: whoever won wrote a record without it, or will.
func (k *APIKeys) dropExpired(ctx context.Context, rec *keyRecord, rev int64) {
	err := k.save(ctx, rec, rev)
	if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
		k.log.WarnContext(ctx, "drop expired previous API key", "app", rec.AppID, "owner", rec.Owner.Kind(), "error", err)
	}
}
