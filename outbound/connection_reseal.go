package outbound

import (
	"context"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/store"
)

// ResealKindConnections is the ResealReport.Kind of Vault.Reseal.
const ResealKindConnections = "connections"

// Reseal seals every stored token again under the keyring's active key (see Apps.Reseal for
// the rotation procedure). Scanned and Resealed count token records (all connections of one
// owner and app). Each record is rewritten with a compare-and-set, so a refresh or a connect
// running meanwhile is never lost; it is safe while serving, idempotent and restartable.
func (v *Vault) Reseal(ctx context.Context) (ResealReport, error) {
	rep := ResealReport{Kind: ResealKindConnections}
	var keys []string
	if err := v.store.Scan(ctx, v.keys.Prefix()+":{sub:*}:tok:*", func(k string) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		return rep, fmt.Errorf("reseal connections: %w", err)
	}
	var errs []error
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("reseal connections: %w", err)
		}
		found, resealed, err := v.resealRecord(ctx, key)
		if found {
			rep.Scanned++
		}
		switch {
		case err != nil:
			rep.Failed++
			errs = append(errs, err)
		case resealed:
			rep.Resealed++
		}
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("reseal connections: %d of %d failed: %w", rep.Failed, rep.Scanned, errors.Join(errs...))
	}
	if rep.Resealed > 0 {
		v.log.InfoContext(ctx, "outbound tokens resealed", "records", rep.Resealed, "scanned", rep.Scanned, "key", v.opts.Keyring.ActiveID())
	}
	return rep, nil
}

func (v *Vault) resealRecord(ctx context.Context, key string) (found, resealed bool, err error) {
	kr := v.opts.Keyring
	for range maxCASAttempts {
		rec, err := v.store.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return false, false, nil
		}
		if err != nil {
			return true, false, err
		}
		g, err := decodeGrant(rec)
		if err != nil {
			return true, false, fmt.Errorf("record %q: %w", key, err)
		}
		changed := false
		for i := range g.Conns {
			c := &g.Conns[i]
			for _, f := range []struct {
				name string
				val  *string
			}{{fieldAccess, &c.Access}, {fieldRefresh, &c.Refresh}} {
				if *f.val == "" || !kr.NeedsReseal(*f.val) {
					continue
				}
				plain, err := v.open(c.ID, f.name, *f.val)
				if err != nil {
					return true, false, err
				}
				if *f.val, err = v.seal(c.ID, f.name, plain); err != nil {
					return true, false, err
				}
				changed = true
			}
		}
		if !changed {
			return true, false, nil
		}
		data, err := g.encode()
		if err != nil {
			return true, false, err
		}
		ttl := emptyRecordTTL
		if len(g.Conns) > 0 {
			ttl = 0
		}
		_, err = v.store.Put(ctx, key, g.rev, data, ttl)
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, store.ErrConflict):
			continue
		case errors.Is(err, store.ErrNotFound):
			return false, false, nil
		}
		return true, false, err
	}
	return true, false, fmt.Errorf("record %q: too many concurrent writers", key)
}
