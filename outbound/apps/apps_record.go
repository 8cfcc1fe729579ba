package apps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// appRecordVersion is the format of the stored app record.
const appRecordVersion = 1

// appRecord is what one app's Redis record holds: the app (whose JSON never carries the secret)
// and, beside it, the client secret sealed under the Keyring with associated data naming this
// app and field, so a sealed secret copied onto another app's record does not open.
type appRecord struct {
	V            int    `json:"v"`
	App          App    `json:"app"`
	ClientSecret string `json:"sealedClientSecret,omitempty"`
}

// clientSecretAAD binds a sealed client secret to its app.
func clientSecretAAD(appID string) []byte {
	return []byte("outflow:app:" + appID + ":clientSecret")
}

// encode seals the app's client secret under the active key and returns the record data.
func (a *Apps) encode(app App) ([]byte, error) {
	rec := appRecord{V: appRecordVersion, App: app}
	rec.App.ClientSecret = outbound.Secret{}
	if !app.ClientSecret.IsZero() {
		sealed, err := a.opts.Keyring.Seal([]byte(app.ClientSecret.Reveal()), clientSecretAAD(app.ID))
		if err != nil {
			return nil, fmt.Errorf("seal client secret of app %q: %w", app.ID, err)
		}
		rec.ClientSecret = sealed
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode app %q: %w", app.ID, err)
	}
	return data, nil
}

// decodeRecord reads a record without opening the secret.
func decodeRecord(id string, data []byte) (appRecord, error) {
	var rec appRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return appRecord{}, fmt.Errorf("decode app %q: %w", id, err)
	}
	if rec.V != appRecordVersion {
		return appRecord{}, fmt.Errorf("decode app %q: record format %d is not supported (want %d); upgrade Outflow", id, rec.V, appRecordVersion)
	}
	if rec.App.ID != id {
		return appRecord{}, fmt.Errorf("decode app %q: the record holds app %q", id, rec.App.ID)
	}
	return rec, nil
}

// open returns the app of a record with its client secret unsealed.
func (a *Apps) open(rec appRecord) (App, error) {
	app := rec.App
	if rec.ClientSecret != "" {
		plain, err := a.opts.Keyring.Open(rec.ClientSecret, clientSecretAAD(app.ID))
		if err != nil {
			return App{}, fmt.Errorf("open client secret of app %q: %w", app.ID, err)
		}
		app.ClientSecret = outbound.NewSecret(string(plain))
	}
	return app, nil
}

// load reads an app from Redis (never the cache) with its revision.
func (a *Apps) load(ctx context.Context, id string) (App, int64, error) {
	rec, rev, err := a.loadRecord(ctx, id)
	if err != nil {
		return App{}, 0, err
	}
	app, err := a.open(rec)
	if err != nil {
		return App{}, 0, err
	}
	return app, rev, nil
}

func (a *Apps) loadRecord(ctx context.Context, id string) (appRecord, int64, error) {
	r, err := a.opts.Store.Get(ctx, a.keys().App(id))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return appRecord{}, 0, ErrAppNotFound
	case err != nil:
		return appRecord{}, 0, err
	}
	rec, err := decodeRecord(id, r.Data)
	if err != nil {
		return appRecord{}, 0, err
	}
	return rec, r.Rev, nil
}

// insert writes a new app record and its index entry atomically; a taken id gives ErrAppExists.
func (a *Apps) insert(ctx context.Context, app App) error {
	data, err := a.encode(app)
	if err != nil {
		return err
	}
	k := a.keys()
	_, err = a.opts.Store.PutIndexed(ctx, store.IndexedPut{Key: k.App(app.ID), Data: data, IndexKey: k.AppIndex(), Member: app.ID})
	a.cache.invalidate()
	if errors.Is(err, store.ErrConflict) {
		return ErrAppExists
	}
	return err
}

// replace overwrites the app record if it is still at rev (store.ErrConflict otherwise). The
// index entry is written again too, which repairs an index that lost it.
func (a *Apps) replace(ctx context.Context, rev int64, app App) error {
	data, err := a.encode(app)
	if err != nil {
		return err
	}
	k := a.keys()
	_, err = a.opts.Store.PutIndexed(ctx, store.IndexedPut{Key: k.App(app.ID), ExpectRev: rev, Data: data, IndexKey: k.AppIndex(), Member: app.ID})
	a.cache.invalidate()
	if errors.Is(err, store.ErrNotFound) {
		return ErrAppNotFound
	}
	return err
}
