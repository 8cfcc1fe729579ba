package apikeys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// ResealKindAPIKeys is the Kind of the report Reseal returns.
const ResealKindAPIKeys = "apikeys"

// Reseal walks every API-key record and seals again, under the Keyring's active key, every
// key still sealed under an older one — the active key and the previous one beside it — so the
// old key can leave the ring. A previous key keeps its Redis TTL, so it still disappears when
// its overlap window ends; one past its window is left for Redis to remove. Records written
// before previous keys had their own Redis key are moved to the current layout on the way.
// Writes are compare-and-sets, so keys stored meanwhile are never overwritten; a record that
// keeps changing, or whose key does not open, counts as Failed and is named in the returned
// error (which holds no key material). Running it again is safe.
func (k *APIKeys) Reseal(ctx context.Context) (apps.ResealReport, error) {
	rep := apps.ResealReport{Kind: ResealKindAPIKeys}
	// Scan is a pre-filter; identify checks that a key really is an API-key record by comparing
	// it with the key its content names. Previous keys (keyprev) do not match: each is resealed
	// with its record.
	pattern := k.opts.Store.Keys().Prefix() + ":{sub:*}:key:*"
	var errs []error
	err := k.opts.Store.Scan(ctx, pattern, func(key string) error {
		rep.Scanned++
		resealed, err := k.resealOne(ctx, key)
		switch {
		case err != nil:
			rep.Failed++
			errs = append(errs, fmt.Errorf("record %q: %w", key, err))
		case resealed:
			rep.Resealed++
		}
		return ctx.Err()
	})
	if err != nil {
		return rep, fmt.Errorf("reseal API keys: %w", err)
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("reseal API keys: %d of %d failed: %w", rep.Failed, rep.Scanned, errors.Join(errs...))
	}
	if rep.Resealed > 0 {
		k.log.InfoContext(ctx, "API keys resealed", "scanned", rep.Scanned, "resealed", rep.Resealed, "key", k.opts.Keyring.ActiveID())
	}
	return rep, nil
}

// resealOne reseals one record and its previous key, retrying when a concurrent write moves
// either first. It reports whether a key was sealed again.
func (k *APIKeys) resealOne(ctx context.Context, key string) (bool, error) {
	id, err := k.identify(ctx, key)
	if errors.Is(err, ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	resealed := false
	for try := 1; ; try++ {
		done, again, err := k.resealState(ctx, id.Owner, id.AppID)
		resealed = resealed || done
		if errors.Is(err, store.ErrConflict) {
			again, err = true, nil
		}
		switch {
		case err != nil:
			return resealed, err
		case !again:
			return resealed, nil
		case try >= maxPutTries:
			return resealed, fmt.Errorf("the record kept changing for %d tries: %w", maxPutTries, store.ErrConflict)
		}
	}
}

// resealState makes one pass over a record: the record itself (its active key, or a previous
// key still inline) in one compare-and-set, then the previous key in place, keeping its TTL.
// again asks for another pass: the previous key changed between the two steps.
func (k *APIKeys) resealState(ctx context.Context, owner outbound.Owner, appID string) (resealed, again bool, err error) {
	st, err := k.load(ctx, owner, appID)
	if errors.Is(err, ErrKeyNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	now := k.opts.ClockOrDefault().Now()
	rec := st.rec
	prev := st.previous(now)
	prevResealed, err := k.resealEntry(rec, prev)
	if err != nil {
		return false, false, err
	}
	curResealed, err := k.resealEntry(rec, &rec.Current)
	if err != nil {
		return false, false, err
	}
	if curResealed || st.inline() {
		// A previous key still inline moves to its own Redis key, with what is left of its
		// window (resealed already, if it needed it); the record's write settles both.
		comp := store.Companion{Op: store.CompanionKeep}
		if st.inline() {
			if comp, err = setPrevious(prev, now); err != nil {
				return false, false, err
			}
		}
		err := k.save(ctx, rec, st.rev, comp)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return false, false, nil
		case err != nil:
			return false, false, err
		}
		if st.inline() {
			return curResealed || prevResealed, false, nil
		}
	}
	if !prevResealed || st.prevRaw == nil {
		return curResealed, false, nil
	}
	data, err := json.Marshal(prev)
	if err != nil {
		return curResealed, false, fmt.Errorf("encode previous API key: %w", err)
	}
	err = k.opts.Store.ReplaceValue(ctx, k.prevKey(rec.Owner, rec.AppID), st.prevRaw, data)
	switch {
	case err == nil:
		return true, false, nil
	case errors.Is(err, store.ErrNotFound):
		// It expired meanwhile: nothing left to reseal.
		return curResealed, false, nil
	case errors.Is(err, store.ErrConflict):
		// A rotation replaced it meanwhile; look again.
		return curResealed, true, nil
	}
	return curResealed, false, err
}

// resealEntry seals e again under the active key if it is under an older one, reporting
// whether it did. A nil e is left alone.
func (k *APIKeys) resealEntry(rec *keyRecord, e *keyEntry) (bool, error) {
	if e == nil || !k.opts.Keyring.NeedsReseal(e.Sealed) {
		return false, nil
	}
	plain, err := k.open(rec, e)
	if err != nil {
		return false, err
	}
	if e.Sealed, err = k.seal(rec.AppID, rec.Owner, e.Version, plain.Reveal()); err != nil {
		return false, err
	}
	return true, nil
}
