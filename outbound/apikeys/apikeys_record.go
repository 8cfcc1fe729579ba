package apikeys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// keyRecordVersion is the format of the stored API-key record.
const keyRecordVersion = 1

// keyRecord is what one (app, owner) API-key record holds: the active key, sealed, and its
// metadata. The key it replaced lives beside it under its own Redis key (see keyState), so
// that Redis removes it when its overlap window ends.
type keyRecord struct {
	V       int            `json:"v"`
	AppID   string         `json:"app"`
	Owner   outbound.Owner `json:"owner"`
	Current keyEntry       `json:"current"`
	// Previous is only read: records written before previous keys had their own Redis key held
	// it here. The next write or reseal moves it out.
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
	// InvalidAt is when a re-check found that the app no longer accepts the key.
	InvalidAt time.Time `json:"invalidAt,omitzero"`
}

// keyOwner is the owner a key is filed under: the user alone for a user owner (the tenant a
// request names as context does not split a user's keys), the tenant for a tenant owner.
func keyOwner(o outbound.Owner) outbound.Owner {
	if o.UserID != "" {
		return outbound.Owner{UserID: o.UserID}
	}
	return outbound.Owner{TenantID: o.TenantID}
}

// apiKeyAAD binds a sealed key to its app, owner and version, so a sealed value copied onto
// another record, owner or version does not open. App ids hold no ':', the kind and version
// none either, so the id last keeps the string unambiguous.
func apiKeyAAD(appID string, o outbound.Owner, version int) []byte {
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

// recordKey, prevKey and indexKey name where an owner's key for an app lives: the record, the
// rotated-out key beside it, and the owner's index, whose member is the record key itself.
func (k *APIKeys) recordKey(o outbound.Owner, appID string) string {
	return k.opts.Store.Keys().APIKeys(o.Kind(), o.ID(), appID)
}

func (k *APIKeys) prevKey(o outbound.Owner, appID string) string {
	return k.opts.Store.Keys().APIKeyPrevious(o.Kind(), o.ID(), appID)
}

func (k *APIKeys) indexKey(o outbound.Owner) string {
	return k.opts.Store.Keys().SubjectIndex(o.Kind(), o.ID())
}

// seal seals key for its app, owner and version.
func (k *APIKeys) seal(appID string, o outbound.Owner, version int, key string) (string, error) {
	sealed, err := k.opts.Keyring.Seal([]byte(key), apiKeyAAD(appID, o, version))
	if err != nil {
		return "", fmt.Errorf("seal API key of app %q version %d: %w", appID, version, err)
	}
	return sealed, nil
}

// open opens one entry of a record.
func (k *APIKeys) open(r *keyRecord, e *keyEntry) (outbound.Secret, error) {
	plain, err := k.opts.Keyring.Open(e.Sealed, apiKeyAAD(r.AppID, r.Owner, e.Version))
	if err != nil {
		return outbound.Secret{}, fmt.Errorf("open API key of app %q version %d: %w", r.AppID, e.Version, err)
	}
	return outbound.NewSecret(string(plain)), nil
}

// load reads the record of an owner's key for an app and the previous key beside it, in one
// round trip; a missing record gives ErrKeyNotFound.
func (k *APIKeys) load(ctx context.Context, o outbound.Owner, appID string) (*keyState, error) {
	key := k.recordKey(o, appID)
	r, prev, err := k.opts.Store.GetWith(ctx, key, k.prevKey(o, appID))
	if err != nil {
		return nil, notFound(err)
	}
	rec, err := k.decode(key, r.Data)
	if err != nil {
		return nil, err
	}
	return newKeyState(rec, r.Rev, prev)
}

// identify reads only the record at key, to learn whose key it holds; Reseal uses it on the
// keys it scans.
func (k *APIKeys) identify(ctx context.Context, key string) (*keyRecord, error) {
	r, err := k.opts.Store.Get(ctx, key)
	if err != nil {
		return nil, notFound(err)
	}
	return k.decode(key, r.Data)
}

// decode decodes a record and checks that it is the one stored at key.
func (k *APIKeys) decode(key string, data []byte) (*keyRecord, error) {
	var rec keyRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("decode API-key record: %w", err)
	}
	if rec.V != keyRecordVersion {
		return nil, fmt.Errorf("decode API-key record: format %d is not supported (want %d); upgrade Outflow", rec.V, keyRecordVersion)
	}
	if k.recordKey(rec.Owner, rec.AppID) != key {
		return nil, fmt.Errorf("decode API-key record: it names app %q and another owner than its key", rec.AppID)
	}
	return &rec, nil
}

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrKeyNotFound
	}
	return err
}

// save writes the record if it is still at rev (0: must not exist), keeps it in the owner's
// index and applies prev to the previous key beside it, in one atomic step. The record never
// keeps a previous key inline. It returns store.ErrConflict or store.ErrNotFound when another
// writer moved first, and then changes nothing.
func (k *APIKeys) save(ctx context.Context, rec *keyRecord, rev int64, prev store.Companion) error {
	rec.Previous = nil
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode API-key record: %w", err)
	}
	key := k.recordKey(rec.Owner, rec.AppID)
	prev.Key = k.prevKey(rec.Owner, rec.AppID)
	_, err = k.opts.Store.PutIndexedWith(ctx, store.IndexedPut{Key: key, ExpectRev: rev, Data: data, IndexKey: k.indexKey(rec.Owner), Member: key}, prev)
	return err
}
