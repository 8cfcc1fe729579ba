package apikeys

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
)

// maxPutTries bounds how often Put retries when concurrent writers to the same record win the
// compare-and-set first.
const maxPutTries = 5

// Put checks and stores an owner's key for an app. The key must match the app's format hint
// and the fields its declared extra fields; with Validate, the app's probe must accept it. The
// new key becomes the active version n+1; the one it replaces stays fetchable as the previous
// key for the app's overlap window, after which Redis removes it. Re-putting is rotation.
//
// There is one previous key at a time: rotating again inside the window makes the key just
// replaced the previous one, with a window of its own, and the older previous key is removed
// at once. Putting the active key again changes nothing about the previous key. With
// NoOverlap, no previous key is kept at all: the replaced key, and any earlier one still in its
// window, stop being fetchable when Put returns.
//
// Errors: ErrAppNotFound, ErrNotAPIKeyApp, an *outbound.InvalidError (ErrInvalidKeyRequest) listing
// bad fields, a *ProbeError (ErrKeyRejected or ErrProbeFailed) when validation fails, a
// *SecretUnreadableError (ErrSecretUnreadable) when the stored key does not open with the
// keyring, which is then never replaced. None of them contains the key.
func (k *APIKeys) Put(ctx context.Context, req PutRequest) (KeyInfo, error) {
	app, err := k.app(ctx, req.AppID, req.Owner)
	if err != nil {
		return KeyInfo{}, err
	}
	var p apps.Problems
	if err := app.APIKey.CheckKey(req.APIKey.Reveal()); err != nil {
		if !errors.Is(err, apps.ErrKeyFormat) {
			return KeyInfo{}, fmt.Errorf("store API key for app %q: %w", app.ID, err)
		}
		p.Add("apiKey", "%s", KeyFormatMessage(err))
	}
	p.Merge(app.APIKey.CheckFields(req.Fields))
	if req.Validate {
		for _, name := range app.APIKey.ProbeFieldNames() {
			if req.Fields[name] == "" {
				p.Add("fields."+name, "required: enter the %s; the key is checked with it", app.APIKey.FieldLabel(name))
			}
		}
	}
	if err := p.Err(); err != nil {
		return KeyInfo{}, &outbound.InvalidError{Kind: ErrInvalidKeyRequest, Fields: p.List}
	}
	if req.Validate && app.APIKey.Probe != nil {
		if err := k.Probe(ctx, app, req.APIKey, req.Fields); err != nil {
			return KeyInfo{}, err
		}
	}
	owner := keyOwner(req.Owner)
	fields := nonEmpty(req.Fields)
	for try := 1; ; try++ {
		info, err := k.write(ctx, app, owner, req.APIKey, fields, req.NoOverlap)
		if err == nil {
			k.log.InfoContext(ctx, "API key stored", "app", app.ID, "ownerKind", owner.Kind(), "owner", owner.ID(), "version", info.Version, "rotated", info.HasPrevious, "noOverlap", req.NoOverlap)
			typ := events.APIKeyRotated
			if info.Version == 1 {
				typ = events.APIKeyStored
			}
			k.emit(ctx, events.Event{Type: typ, Owner: owner, AppID: app.ID, Version: info.Version})
			return info, nil
		}
		if try >= maxPutTries || !(errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound)) {
			return KeyInfo{}, fmt.Errorf("store API key for app %q: %w", app.ID, err)
		}
	}
}

// write makes key the active version of the record and settles the previous key, one
// compare-and-set.
func (k *APIKeys) write(ctx context.Context, app apps.App, owner outbound.Owner, key outbound.Secret, fields map[string]string, noOverlap bool) (KeyInfo, error) {
	st, err := k.load(ctx, owner, app.ID)
	switch {
	case errors.Is(err, ErrKeyNotFound):
		st = &keyState{rec: &keyRecord{V: keyRecordVersion, AppID: app.ID, Owner: owner}}
		// The app's subject set is only ever added to here, before the record exists, so that
		// deleting the app finds every owner; a member without a record is harmless.
		member := store.SubjectMember(owner.Kind(), owner.ID())
		if err := k.opts.Store.SetAdd(ctx, k.opts.Store.Keys().AppSubjects(app.ID), member); err != nil {
			return KeyInfo{}, err
		}
	case err != nil:
		return KeyInfo{}, err
	}
	now := k.opts.ClockOrDefault().Now().UTC()
	rec := st.rec
	version := rec.Current.Version + 1
	sealed, err := k.seal(app.ID, owner, version, key.Reveal())
	if err != nil {
		return KeyInfo{}, err
	}
	prev, err := k.rotate(ctx, app, st, key, noOverlap, now)
	if err != nil {
		return KeyInfo{}, err
	}
	rec.Current = keyEntry{Version: version, Sealed: sealed, CreatedAt: now, Last4: last4(key.Reveal()), Fields: fields}
	if err := k.save(ctx, rec, st.rev, prev); err != nil {
		return KeyInfo{}, err
	}
	return st.info(now), nil
}

// rotate decides what becomes of the previous key when key replaces the active one, and sets
// st.prev to match.
func (k *APIKeys) rotate(ctx context.Context, app apps.App, st *keyState, key outbound.Secret, noOverlap bool, now time.Time) (store.Companion, error) {
	drop := store.Companion{Op: store.CompanionDelete}
	if st.rev == 0 {
		// A new record clears whatever an earlier record of the same name may have left.
		st.prev = nil
		return drop, nil
	}
	rec := st.rec
	old, err := k.open(rec, &rec.Current)
	if err != nil {
		// A key that does not open is never replaced: its sealing key may come back (a key
		// dropped from the keyring too early, a key id configured with the wrong bytes).
		k.log.ErrorContext(ctx, "the stored API key does not open with the keyring; it was not replaced",
			"app", app.ID, "owner", rec.Owner.Kind(), "version", rec.Current.Version, "error", err)
		what := fmt.Sprintf("API key of app %q version %d", app.ID, rec.Current.Version)
		return store.Companion{}, outbound.Unreadable(k.opts.Keyring, what, rec.Current.Sealed, err)
	}
	if noOverlap {
		st.prev = nil
		return drop, nil
	}
	if old.Equal(key) {
		// A re-put of the same key keeps the earlier previous key (if any) rather than
		// shadowing it with a copy of itself.
		return st.keepPrevious(now)
	}
	prev := rec.Current
	if k.opts.Keyring.NeedsReseal(prev.Sealed) {
		if prev.Sealed, err = k.seal(rec.AppID, rec.Owner, prev.Version, old.Reveal()); err != nil {
			return store.Companion{}, err
		}
	}
	prev.ExpiresAt = now.Add(app.APIKey.Overlap())
	st.prev = &prev
	return setPrevious(&prev, now)
}

// msgKeyOwner is the message of a key request that names no owner.
const msgKeyOwner = "set userId or tenantId: a key belongs to a user or a tenant"

// app returns the apikey app id names after checking the request's app id and owner.
func (k *APIKeys) app(ctx context.Context, appID string, owner outbound.Owner) (apps.App, error) {
	var p apps.Problems
	if appID == "" {
		p.Add("appId", "required: the id of an apikey app, for example openai")
	}
	for _, fe := range (outbound.IDChecks{Owner: &owner, MissingOwner: msgKeyOwner, AppID: appID}).Problems("") {
		p.Add(fe.Field, "%s", fe.Message)
	}
	if len(p.List) > 0 {
		return apps.App{}, &outbound.InvalidError{Kind: ErrInvalidKeyRequest, Fields: p.List}
	}
	return k.App(ctx, appID)
}

// App returns the apikey app with the given id (from the registry's cache when warm): an
// unknown id gives ErrAppNotFound, an app of another kind ErrNotAPIKeyApp.
func (k *APIKeys) App(ctx context.Context, id string) (apps.App, error) {
	app, err := k.apps.Get(ctx, id)
	if err != nil {
		return apps.App{}, err
	}
	if app.Kind != apps.KindAPIKey || app.APIKey == nil {
		return apps.App{}, fmt.Errorf("app %q is of kind %s; API keys are stored for apikey apps only: %w", app.ID, app.Kind, ErrNotAPIKeyApp)
	}
	return app, nil
}

// KeyFormatMessage turns an error from APIKeyConfig.CheckKey into a sentence for the person
// who typed the key, e.g. `The OpenAI API key should start with "sk-".`
func KeyFormatMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), apps.ErrKeyFormat.Error()+": ")
	return sentence(msg)
}

// sentence capitalises the first letter of s and ends it with a period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// nonEmpty copies the fields that hold a value.
func nonEmpty(fields map[string]string) map[string]string {
	out := maps.Clone(fields)
	maps.DeleteFunc(out, func(_, v string) bool { return v == "" })
	if len(out) == 0 {
		return nil
	}
	return out
}
