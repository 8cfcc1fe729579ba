package oauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// maxImportBatch bounds the grants of one ImportBatch.
const maxImportBatch = 1000

// ImportBatch stores several imported grants, all or nothing: every item is validated first
// (fields, apps) and nothing is written when one is invalid; the error then lists every bad
// field as "tokens[i].field". The grants of one owner and app are written together in one
// atomic write; should storage fail half-way, the records already written are put back as they
// were. Verify is not available in a batch: verifying consumes rotating refresh tokens, which
// an all-or-nothing batch could then not store.
func (v *Vault) ImportBatch(ctx context.Context, reqs []ImportRequest) ([]Connection, error) {
	var p fieldProblems
	switch {
	case len(reqs) == 0:
		p.add("tokens", "is empty; send at least one token")
	case len(reqs) > maxImportBatch:
		p.add("tokens", "holds %d tokens; send at most %d per batch", len(reqs), maxImportBatch)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	type group struct {
		appID string
		owner outbound.Owner
		ins   []grantInput
		idx   []int
	}
	var (
		groups []*group
		byKey  = map[string]*group{}
		probs  fieldProblems
	)
	for i := range reqs {
		prefix := fmt.Sprintf("tokens[%d].", i)
		if reqs[i].Verify {
			probs.add(prefix+"verify", "is not available in a batch; import the token alone to verify it")
			continue
		}
		app, in, err := v.checkImport(ctx, &reqs[i], prefix)
		var re *outbound.InvalidError
		switch {
		case errors.As(err, &re) && errors.Is(re, ErrInvalidRequest):
			probs.list = append(probs.list, re.Fields...)
			continue
		case err != nil:
			return nil, err
		}
		key := v.tokensKey(app.ID, in.owner)
		g := byKey[key]
		if g == nil {
			g = &group{appID: app.ID, owner: in.owner}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.ins = append(g.ins, in)
		g.idx = append(g.idx, i)
	}
	if err := probs.err(); err != nil {
		return nil, err
	}

	out := make([]Connection, len(reqs))
	var done []batchWrite
	for _, g := range groups {
		ids := make([]string, len(g.ins))
		for i := range ids {
			ids[i] = newConnectionID()
		}
		var (
			as  []applied
			old *grantRecord
		)
		rec, err := v.update(ctx, g.appID, g.owner, func(r *grantRecord) error {
			snapshot := *r
			snapshot.Conns = append([]storedConn(nil), r.Conns...)
			old, as = &snapshot, as[:0]
			now := v.now()
			for i, in := range g.ins {
				a, err := v.applyGrant(r, in, ids[i], now)
				if err != nil {
					return err
				}
				as = append(as, a)
			}
			return nil
		})
		if err != nil {
			v.rollback(ctx, done)
			return nil, fmt.Errorf("import batch: %w", err)
		}
		done = append(done, batchWrite{key: v.tokensKey(g.appID, g.owner), old: old, rev: rec.rev, appID: g.appID, owner: g.owner, applied: as})
		for i, a := range as {
			out[g.idx[i]] = a.conn
		}
	}
	for _, w := range done {
		if err := v.afterGrants(ctx, w.appID, w.owner, w.applied...); err != nil {
			return nil, fmt.Errorf("import batch: %w", err)
		}
	}
	return out, nil
}

// batchWrite is a record a batch wrote, with what it held before.
type batchWrite struct {
	key     string
	old     *grantRecord
	rev     int64
	appID   string
	owner   outbound.Owner
	applied []applied
}

// rollback puts back records an interrupted batch wrote, unless someone changed them since.
func (v *Vault) rollback(ctx context.Context, done []batchWrite) {
	ctx = context.WithoutCancel(ctx)
	for _, w := range done {
		data, err := w.old.encode()
		if err == nil {
			ttl := emptyRecordTTL
			if len(w.old.Conns) > 0 {
				ttl = 0
			}
			_, err = v.store.Put(ctx, w.key, w.rev, data, ttl)
		}
		if err != nil && !errors.Is(err, store.ErrConflict) {
			v.log.ErrorContext(ctx, "outbound: roll back an interrupted import batch", "app", w.appID, "error", err)
		}
	}
}
