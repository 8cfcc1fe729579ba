package oauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// ResealKindConnections is the ResealReport.Kind of Vault.Reseal.
const ResealKindConnections = "connections"

// Reseal seals every stored token again under the keyring's active key (see Apps.Reseal for
// the rotation procedure), and so the PKCE verifiers of consents in progress. Scanned and
// Resealed count token records (all connections of one owner and app) and pending consents.
// Each record is rewritten with a compare-and-set, so a refresh or a connect running meanwhile
// is never lost, and a consent is rewritten only while it is still pending, so one that
// completed meanwhile never comes back; it is safe while serving, idempotent and restartable.
func (v *Vault) Reseal(ctx context.Context) (apps.ResealReport, error) {
	rep := apps.ResealReport{Kind: ResealKindConnections}
	var errs []error
	for _, kind := range []struct {
		pattern string
		reseal  func(context.Context, string) (found, resealed bool, err error)
	}{
		{v.keys.Prefix() + ":{sub:*}:tok:*", v.resealRecord},
		{v.keys.Prefix() + ":{state:*}", v.resealState},
	} {
		var keys []string
		if err := v.store.Scan(ctx, kind.pattern, func(k string) error {
			keys = append(keys, k)
			return nil
		}); err != nil {
			return rep, fmt.Errorf("reseal connections: %w", err)
		}
		for _, key := range keys {
			if err := ctx.Err(); err != nil {
				return rep, fmt.Errorf("reseal connections: %w", err)
			}
			found, resealed, err := kind.reseal(ctx, key)
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
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("reseal connections: %d of %d failed: %w", rep.Failed, rep.Scanned, errors.Join(errs...))
	}
	if rep.Resealed > 0 {
		v.log.InfoContext(ctx, "outbound tokens resealed", "records", rep.Resealed, "scanned", rep.Scanned, "key", v.opts.Keyring.ActiveID())
	}
	return rep, nil
}

// resealState seals a pending consent again under the active key, unless it was taken (or
// resealed by someone else) meanwhile.
func (v *Vault) resealState(ctx context.Context, key string) (found, resealed bool, err error) {
	kr := v.opts.Keyring
	raw, err := v.store.Peek(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return true, false, err
	}
	if !kr.NeedsReseal(string(raw)) {
		return true, false, nil
	}
	plain, err := kr.Open(string(raw), []byte(key))
	if err != nil {
		return true, false, fmt.Errorf("pending consent %q: %w", key, err)
	}
	sealed, err := kr.Seal(plain, []byte(key))
	if err != nil {
		return true, false, fmt.Errorf("pending consent %q: %w", key, err)
	}
	switch err := v.store.ReplaceValue(ctx, key, raw, []byte(sealed)); {
	case errors.Is(err, store.ErrNotFound):
		return false, false, nil // completed meanwhile
	case errors.Is(err, store.ErrConflict):
		return true, false, nil // resealed by someone else meanwhile
	case err != nil:
		return true, false, err
	}
	return true, true, nil
}

func (v *Vault) resealRecord(ctx context.Context, key string) (found, resealed bool, err error) {
	for range maxCASAttempts {
		rec, err := v.store.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return false, false, nil
		}
		if err != nil {
			return true, false, err
		}
		g, err := decodeGrant(rec, "", outbound.Owner{})
		if err != nil {
			return true, false, fmt.Errorf("record %q: %w", key, err)
		}
		if want := v.tokensKey(g.AppID, g.Owner); want != key {
			return true, false, fmt.Errorf("record %q names app %q and %s %q, whose record is another key", key, g.AppID, g.Owner.Kind(), g.Owner.ID())
		}
		changed := false
		for i := range g.Conns {
			c, err := v.resealTokens(&g.Conns[i])
			if err != nil {
				return true, false, err
			}
			changed = changed || c
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
		_, err = v.store.Put(store.Durable(ctx), key, g.rev, data, ttl)
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
