package apikeys

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Errors of the API-key store; match them with errors.Is.
var (
	// ErrKeyNotFound means the owner has no API key stored for the app.
	ErrKeyNotFound = errors.New("apikeys: no API key stored for this app and owner")
	// ErrNotAPIKeyApp means the app exists but is not an apikey app (an oauth2 app connects
	// through consent, not with a key).
	ErrNotAPIKeyApp = errors.New("apikeys: the app is not an API-key app")
	// ErrInvalidKeyRequest is the kind of the *outbound.InvalidError that lists what is wrong
	// with a request to store or read a key, at most one message per field: "appId", "userId"
	// (the owner), "apiKey", "fields.<name>". Messages say how to fix the problem and never
	// quote the key.
	ErrInvalidKeyRequest = errors.New("apikeys: invalid API-key request")
)

// PutRequest stores a key for an owner: a new key becomes the active version and the key it
// replaces stays fetchable as the previous one for the app's overlap window (unless
// NoOverlap).
type PutRequest struct {
	AppID  string          `json:"appId"`
	Owner  outbound.Owner  `json:"owner"`
	APIKey outbound.Secret `json:"apiKey"`
	// Fields are the app's extra connection values (region, account id, ...).
	Fields map[string]string `json:"fields,omitempty"`
	// Validate sends the app's probe with the key before storing it; a key the app refuses
	// is not stored. Apps without a probe store the key after the format check alone.
	Validate bool `json:"validate,omitempty"`
	// NoOverlap rotates without an overlap: the replaced key, and any earlier one still in
	// its window, stop being fetchable at once and are removed from Redis in the same step.
	// For a key that leaked.
	NoOverlap bool `json:"noOverlap,omitempty"`
}

// KeyInfo describes a stored key without revealing it.
type KeyInfo struct {
	AppID     string         `json:"appId"`
	Owner     outbound.Owner `json:"owner"`
	Version   int            `json:"version"`
	CreatedAt time.Time      `json:"createdAt"`
	// Last4 is the end of the key (its last four characters; fewer for keys shorter than 16,
	// never more than a quarter of the key), to tell keys apart.
	Last4  string            `json:"last4"`
	Fields map[string]string `json:"fields"`
	// HasPrevious reports whether the key this one replaced is still fetchable; it is until
	// PreviousExpiresAt.
	HasPrevious       bool      `json:"hasPrevious"`
	PreviousExpiresAt time.Time `json:"previousExpiresAt,omitzero"`
	// InvalidAt is set when a re-check found that the app no longer accepts the key (see
	// Recheck); storing a new key clears it.
	InvalidAt time.Time `json:"invalidAt,omitzero"`
}

// LogValue logs the metadata; KeyInfo holds no key anyway.
func (k KeyInfo) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("app", k.AppID),
		slog.String("ownerKind", k.Owner.Kind()), slog.String("owner", k.Owner.ID()),
		slog.Int("version", k.Version),
		slog.Bool("hasPrevious", k.HasPrevious),
	)
}

// FetchedKey is an owner's active key for an app, and the key it replaced while that one is
// still within its overlap window. APIKey never prints, logs or marshals (see Secret).
type FetchedKey struct {
	AppID     string
	APIKey    outbound.Secret
	Version   int
	CreatedAt time.Time
	Fields    map[string]string
	Previous  *PreviousKey
}

// PreviousKey is a rotated-out key, fetchable until ExpiresAt.
type PreviousKey struct {
	APIKey    outbound.Secret
	Version   int
	Fields    map[string]string
	ExpiresAt time.Time
}

// LogValue logs the versions, never the keys.
func (f FetchedKey) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("app", f.AppID),
		slog.Int("version", f.Version),
		slog.String("apiKey", f.APIKey.String()),
	}
	if f.Previous != nil {
		attrs = append(attrs, slog.Int("previousVersion", f.Previous.Version))
	}
	return slog.GroupValue(attrs...)
}

// String shows the versions, never the keys, so %v of a FetchedKey is safe.
func (f FetchedKey) String() string {
	if f.Previous != nil {
		return fmt.Sprintf("apikey{app=%s version=%d previous=%d key=%s}", f.AppID, f.Version, f.Previous.Version, outbound.Redacted)
	}
	return fmt.Sprintf("apikey{app=%s version=%d key=%s}", f.AppID, f.Version, outbound.Redacted)
}

// APIKeys stores, validates, fetches and rotates the API keys of apikey apps, per user or
// tenant. Keys are sealed with the Keyring before they reach Redis, bound to their app, owner
// and version; one record per (app, owner) holds the active key, and after a rotation the
// previous one sits beside it under its own Redis key that expires with the overlap window, so
// Redis removes it on time even if nothing reads or writes the record again. Metadata
// (version, dates, last four characters, the app's extra fields) is kept in clear beside the
// sealed keys.
//
// APIKeys is safe for concurrent use.
type APIKeys struct {
	apps  *apps.Apps
	opts  apps.Options
	log   *slog.Logger
	probe *http.Client
}

// NewAPIKeys returns the API-key store of the registry, sharing its Options. It leaves the
// registry as it is: to have deleting an app delete every key stored for it, register the store
// with registry.OnDelete(keys.DeleteApp).
func NewAPIKeys(registry *apps.Apps) *APIKeys {
	opts := registry.Options()
	return &APIKeys{apps: registry, opts: opts, log: opts.LoggerOrDefault(), probe: probeClient(opts)}
}

var (
	_ slog.LogValuer = KeyInfo{}
	_ slog.LogValuer = FetchedKey{}
	_ fmt.Stringer   = FetchedKey{}
)
