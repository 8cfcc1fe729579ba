package outbound

import (
	"context"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/store"
)

// ResealKindAPIKeys is the Kind of the report Reseal returns.
const ResealKindAPIKeys = "apikeys"

// Reseal walks every API-key record and seals again, under the Keyring's active key, every
// key still sealed under an older one, so the old key can leave the ring. Previous keys past
// their overlap window are dropped on the way. Records are rewritten with a compare-and-set, so
// keys stored meanwhile are never overwritten; a record that keeps changing, or whose key does
// not open, counts as Failed and is named in the returned error (which holds no key material).
// Running it again is safe.
func (k *APIKeys) Reseal(ctx context.Context) (ResealReport, error) {
	rep := ResealReport{Kind: ResealKindAPIKeys}
	// Scan is a pre-filter; loadKey checks that a key really is an API-key record by comparing
	// it with the key its content names.
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

// resealOne reseals one record, retrying when a concurrent write moves it first. It reports
// whether a key was sealed again.
func (k *APIKeys) resealOne(ctx context.Context, key string) (bool, error) {
	for try := 1; ; try++ {
		rec, rev, err := k.loadKey(ctx, key)
		if errors.Is(err, ErrKeyNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		changed := rec.pruneExpired(k.opts.clock().Now())
		resealed := false
		for _, e := range []*keyEntry{&rec.Current, rec.Previous} {
			if e == nil || !k.opts.Keyring.NeedsReseal(e.Sealed) {
				continue
			}
			plain, err := k.open(rec, e)
			if err != nil {
				return false, err
			}
			if e.Sealed, err = k.seal(rec.AppID, rec.Owner, e.Version, plain.Reveal()); err != nil {
				return false, err
			}
			changed, resealed = true, true
		}
		if !changed {
			return false, nil
		}
		err = k.save(ctx, rec, rev)
		switch {
		case err == nil:
			return resealed, nil
		case errors.Is(err, store.ErrNotFound):
			return false, nil
		case errors.Is(err, store.ErrConflict) && try < maxPutTries:
			continue
		default:
			return false, err
		}
	}
}
