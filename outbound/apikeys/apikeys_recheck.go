package apikeys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
)

// RecheckResult is what a re-check of a stored key found.
type RecheckResult string

// Re-check results.
const (
	// RecheckValid: the app accepted the key.
	RecheckValid RecheckResult = "valid"
	// RecheckInvalid: the app refused the key; it is marked invalid (KeyInfo.InvalidAt).
	RecheckInvalid RecheckResult = "invalid"
	// RecheckUnknown: the key could not be checked (the app was unreachable or failing).
	RecheckUnknown RecheckResult = "unknown"
	// RecheckGone: there is no key to check any more, or the app has no probe.
	RecheckGone RecheckResult = "gone"
)

// Recheck probes an owner's stored key for an app again. A key the app refuses is marked
// invalid (once: a key already marked stays so without a second event) and an apikey.invalid
// event is published; a key the app accepts again loses its mark. The key never reaches a log
// or an error.
func (k *APIKeys) Recheck(ctx context.Context, owner outbound.Owner, appID string) (RecheckResult, error) {
	app, err := k.app(ctx, appID, owner)
	if errors.Is(err, ErrNotAPIKeyApp) || errors.Is(err, apps.ErrAppNotFound) {
		return RecheckGone, nil
	}
	if err != nil {
		return RecheckUnknown, err
	}
	if app.APIKey.Probe == nil {
		return RecheckGone, nil
	}
	owner = keyOwner(owner)
	st, err := k.load(ctx, owner, app.ID)
	if errors.Is(err, ErrKeyNotFound) {
		return RecheckGone, nil
	}
	if err != nil {
		return RecheckUnknown, fmt.Errorf("recheck API key for app %q: %w", app.ID, err)
	}
	key, err := k.open(st.rec, &st.rec.Current)
	if err != nil {
		return RecheckUnknown, fmt.Errorf("recheck API key for app %q: %w", app.ID, err)
	}
	perr := k.Probe(ctx, app, key, st.rec.Current.Fields)
	switch {
	case perr == nil:
		return RecheckValid, k.mark(ctx, st, false)
	case errors.Is(perr, ErrKeyRejected):
		return RecheckInvalid, k.mark(ctx, st, true)
	default:
		return RecheckUnknown, nil
	}
}

// mark sets or clears the invalid mark of the key st holds, with a compare-and-set; a key
// rotated meanwhile is left alone.
func (k *APIKeys) mark(ctx context.Context, st *keyState, invalid bool) error {
	cur := &st.rec.Current
	if invalid == !cur.InvalidAt.IsZero() {
		return nil
	}
	now := k.opts.ClockOrDefault().Now().UTC()
	if invalid {
		cur.InvalidAt = now
	} else {
		cur.InvalidAt = time.Time{}
	}
	keep, err := st.keepPrevious(now)
	if err != nil {
		return err
	}
	err = k.save(ctx, st.rec, st.rev, keep)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return nil // rotated or deleted meanwhile: the new state is not what was checked
	}
	if err != nil {
		return fmt.Errorf("mark API key of app %q: %w", st.rec.AppID, err)
	}
	if invalid {
		k.log.InfoContext(ctx, "API key no longer accepted", "app", st.rec.AppID, "owner", st.rec.Owner.Kind(), "version", cur.Version)
		k.emit(ctx, events.Event{Type: events.APIKeyInvalid, Owner: st.rec.Owner, AppID: st.rec.AppID, Version: cur.Version})
	}
	return nil
}

// emit publishes an event; a failure is logged, never returned: the change has happened.
func (k *APIKeys) emit(ctx context.Context, ev events.Event) {
	ev.Time = k.opts.ClockOrDefault().Now()
	if _, err := events.Publish(context.WithoutCancel(ctx), k.opts.Store, 0, ev); err != nil {
		k.log.WarnContext(ctx, "apikeys: publish event", "type", ev.Type, "app", ev.AppID, "error", err)
	}
}
