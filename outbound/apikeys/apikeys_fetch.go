package apikeys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
)

// Fetch returns an owner's active key for an app and, within the overlap window of the last
// rotation, the key it replaced. One Redis round trip when the app is cached; Fetch only reads.
// The window is checked against the clock: a previous key past its window is not returned,
// even in the instant before Redis removes it.
//
// Errors: ErrAppNotFound, ErrNotAPIKeyApp, an *outbound.InvalidError for a missing app id or owner,
// ErrKeyNotFound when nothing is stored.
func (k *APIKeys) Fetch(ctx context.Context, owner outbound.Owner, appID string) (*FetchedKey, error) {
	app, err := k.app(ctx, appID, owner)
	if err != nil {
		return nil, err
	}
	st, err := k.load(ctx, keyOwner(owner), app.ID)
	if err != nil {
		return nil, fmt.Errorf("fetch API key for app %q: %w", app.ID, err)
	}
	rec := st.rec
	key, err := k.open(rec, &rec.Current)
	if err != nil {
		return nil, fmt.Errorf("fetch API key for app %q: %w", app.ID, err)
	}
	out := &FetchedKey{
		AppID: app.ID, APIKey: key, Version: rec.Current.Version, CreatedAt: rec.Current.CreatedAt,
		Fields: fieldsOrEmpty(rec.Current.Fields),
	}
	if p := st.previous(k.opts.ClockOrDefault().Now()); p != nil {
		prev, err := k.open(rec, p)
		if err != nil {
			// The active key is what callers need; a previous key that does not open is
			// left out rather than failing the fetch.
			k.log.WarnContext(ctx, "previous API key does not open", "app", app.ID, "version", p.Version, "error", err)
		} else {
			out.Previous = &PreviousKey{APIKey: prev, Version: p.Version, Fields: fieldsOrEmpty(p.Fields), ExpiresAt: p.ExpiresAt}
		}
	}
	return out, nil
}

// Check reports whether an owner has a key for an app, with its metadata (version, age from
// CreatedAt, last four characters). It never opens the key. A missing key is (KeyInfo{},
// false, nil).
func (k *APIKeys) Check(ctx context.Context, owner outbound.Owner, appID string) (KeyInfo, bool, error) {
	app, err := k.app(ctx, appID, owner)
	if err != nil {
		return KeyInfo{}, false, err
	}
	st, err := k.load(ctx, keyOwner(owner), app.ID)
	switch {
	case errors.Is(err, ErrKeyNotFound):
		return KeyInfo{}, false, nil
	case err != nil:
		return KeyInfo{}, false, fmt.Errorf("check API key for app %q: %w", app.ID, err)
	}
	return st.info(k.opts.ClockOrDefault().Now()), true, nil
}

// List returns the metadata of every key an owner holds, sorted by app id. It never opens a
// key.
func (k *APIKeys) List(ctx context.Context, owner outbound.Owner) ([]KeyInfo, error) {
	if fe, bad := outbound.OwnerProblem(owner, msgKeyOwner); bad {
		return nil, &outbound.InvalidError{Kind: ErrInvalidKeyRequest, Fields: []outbound.FieldError{fe}}
	}
	owner = keyOwner(owner)
	members, err := k.opts.Store.SetMembers(ctx, k.indexKey(owner))
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	// The subject index also lists other credentials (OAuth tokens); API-key records are the
	// members under this owner's key prefix.
	prefix := k.recordKey(owner, "")
	slices.Sort(members)
	out := []KeyInfo{}
	for _, m := range members {
		if !strings.HasPrefix(m, prefix) {
			continue
		}
		appID, err := store.UnescapeID(strings.TrimPrefix(m, prefix))
		if err != nil || k.recordKey(owner, appID) != m {
			continue
		}
		st, err := k.load(ctx, owner, appID)
		switch {
		case errors.Is(err, ErrKeyNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("list API keys: %w", err)
		}
		out = append(out, st.info(k.opts.ClockOrDefault().Now()))
	}
	slices.SortFunc(out, func(a, b KeyInfo) int { return strings.Compare(a.AppID, b.AppID) })
	return out, nil
}

// Delete removes every version of an owner's key for an app, the previous key included, in one
// atomic step. Deleting what is not there is not an error.
func (k *APIKeys) Delete(ctx context.Context, owner outbound.Owner, appID string) error {
	app, err := k.app(ctx, appID, owner)
	if err != nil {
		return err
	}
	owner = keyOwner(owner)
	key := k.recordKey(owner, app.ID)
	_, getErr := k.opts.Store.Get(ctx, key)
	existed := getErr == nil
	if err := k.opts.Store.DeleteIndexed(ctx, key, k.indexKey(owner), key, k.prevKey(owner, app.ID)); err != nil {
		return fmt.Errorf("delete API key for app %q: %w", app.ID, err)
	}
	k.log.InfoContext(ctx, "API key deleted", "app", app.ID, "owner", owner.Kind())
	if existed {
		k.emit(ctx, events.Event{Type: events.APIKeyDeleted, Owner: owner, AppID: app.ID})
	}
	return nil
}

// DeleteApp removes every owner's key for an app, and for an apikey app the app's owner index
// too (the vault drops it for an OAuth app); it is meant for apps.Apps.OnDelete, to run when the
// app is deleted. It is idempotent, as Apps requires of its hooks.
func (k *APIKeys) DeleteApp(ctx context.Context, appID string) error {
	keys := k.opts.Store.Keys()
	members, err := k.opts.Store.SetMembers(ctx, keys.AppSubjects(appID))
	if err != nil {
		return fmt.Errorf("delete API keys of app %q: %w", appID, err)
	}
	var errs []error
	deleted := 0
	for _, m := range members {
		kind, id, ok := store.ParseSubjectMember(m)
		if !ok {
			continue
		}
		key := keys.APIKeys(kind, id, appID)
		if err := k.opts.Store.DeleteIndexed(ctx, key, keys.SubjectIndex(kind, id), key, keys.APIKeyPrevious(kind, id, appID)); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted++
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete API keys of app %q: %w", appID, err)
	}
	app, err := k.apps.Get(ctx, appID)
	if err != nil && !errors.Is(err, apps.ErrAppNotFound) {
		return fmt.Errorf("delete API keys of app %q: %w", appID, err)
	}
	if err == nil && app.Kind == apps.KindAPIKey {
		if err := k.opts.Store.Delete(ctx, keys.AppSubjects(appID)); err != nil {
			return fmt.Errorf("delete API keys of app %q: %w", appID, err)
		}
	}
	k.log.InfoContext(ctx, "API keys of deleted app removed", "app", appID, "owners", deleted)
	return nil
}
