package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// emptyRecordTTL: a record left with no connection is written empty with this TTL rather than
// deleted, because a delete cannot be a compare-and-set and would race with a concurrent connect.
const emptyRecordTTL = time.Minute

// maxCASAttempts bounds the retries of one read-modify-write that keeps losing to other writers.
const maxCASAttempts = 32

// errNoChange, returned by an update function, ends the update without writing.
var errNoChange = errors.New("oauth: no change")

func (v *Vault) tokensKey(appID string, o outbound.Owner) string {
	return v.keys.Tokens(o.Kind(), o.ID(), appID)
}

func (v *Vault) indexKey(o outbound.Owner) string { return v.keys.SubjectIndex(o.Kind(), o.ID()) }

// load reads the record of (app, owner); a missing one is empty, at revision 0.
func (v *Vault) load(ctx context.Context, appID string, o outbound.Owner) (*grantRecord, error) {
	rec, err := v.store.Get(ctx, v.tokensKey(appID, o))
	if errors.Is(err, store.ErrNotFound) {
		return &grantRecord{AppID: appID, Owner: o}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read connections of app %q: %w", appID, err)
	}
	g, err := decodeGrant(rec, appID, o)
	if err != nil {
		return nil, fmt.Errorf("read connections of app %q: %w", appID, err)
	}
	return g, nil
}

// loadShared is load for readers that do not modify the record (a fetch): a record whose stored
// bytes are unchanged since the last read is not decoded again. The returned record is shared:
// never modify it or anything it holds.
func (v *Vault) loadShared(ctx context.Context, appID string, o outbound.Owner) (*grantRecord, error) {
	key := v.tokensKey(appID, o)
	rec, err := v.store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return &grantRecord{AppID: appID, Owner: o}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read connections of app %q: %w", appID, err)
	}
	if g := v.decoded.get(key, rec.Data); g != nil {
		return g, nil
	}
	g, err := decodeGrant(rec, appID, o)
	if err != nil {
		return nil, fmt.Errorf("read connections of app %q: %w", appID, err)
	}
	v.decoded.put(key, rec.Data, g)
	return g, nil
}

// update applies fn to the record of (app, owner) and writes it with a compare-and-set,
// starting over from a fresh read when another writer got there first. fn may run several
// times; it returns errNoChange to write nothing. The written record is returned.
func (v *Vault) update(ctx context.Context, appID string, o outbound.Owner, fn func(g *grantRecord) error) (*grantRecord, error) {
	return v.updateIn(ctx, nil, appID, o, fn)
}

// updateIn is update fenced by a held lock (nil: none): the write lands only while lock is still
// its owner's, else it fails with an error matching store.ErrLockLost and nothing is written.
func (v *Vault) updateIn(ctx context.Context, lock *store.Lock, appID string, o outbound.Owner, fn func(g *grantRecord) error) (*grantRecord, error) {
	// The record holds the tokens: a refresh token the provider just rotated exists nowhere else,
	// so where Redis has replicas, the write is answered only once one has it.
	ctx = store.Durable(ctx)
	key := v.tokensKey(appID, o)
	for range maxCASAttempts {
		g, err := v.load(ctx, appID, o)
		if err != nil {
			return nil, err
		}
		if err := fn(g); err != nil {
			if errors.Is(err, errNoChange) {
				return g, nil
			}
			return nil, err
		}
		data, err := g.encode()
		if err != nil {
			return nil, err
		}
		ttl := time.Duration(0)
		if len(g.Conns) == 0 {
			if g.rev == 0 {
				return g, nil
			}
			ttl = emptyRecordTTL
		}
		var rev int64
		if lock != nil {
			rev, err = v.store.PutIndexedIfLocked(ctx, lock, store.IndexedPut{Key: key, ExpectRev: g.rev, Data: data, TTL: ttl, IndexKey: v.indexKey(o), Member: key})
		} else {
			rev, err = v.store.PutIndexed(ctx, store.IndexedPut{Key: key, ExpectRev: g.rev, Data: data, TTL: ttl, IndexKey: v.indexKey(o), Member: key})
		}
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("write connections of app %q: %w", appID, err)
		}
		g.rev = rev
		return g, nil
	}
	return nil, fmt.Errorf("write connections of app %q: too many concurrent writers: %w", appID, store.ErrConflict)
}

// pointer is the record Keys.Connection(id) holds: where a connection lives.
type pointer struct {
	AppID string         `json:"appId"`
	Owner outbound.Owner `json:"owner"`
}

// linked records what a write that added connections must make findable: the owner among the
// app's subjects, and a pointer per new connection. Readers of both tolerate stale entries.
func (v *Vault) linked(ctx context.Context, appID string, o outbound.Owner, connIDs ...string) error {
	ctx = store.Durable(ctx)
	if err := v.store.SetAdd(ctx, v.keys.AppSubjects(appID), store.SubjectMember(o.Kind(), o.ID())); err != nil {
		return fmt.Errorf("index connection of app %q: %w", appID, err)
	}
	data, _ := json.Marshal(pointer{AppID: appID, Owner: o})
	for _, id := range connIDs {
		if err := v.store.SetValue(ctx, v.keys.Connection(id), data, 0); err != nil {
			return fmt.Errorf("index connection %q: %w", id, err)
		}
	}
	return nil
}

// locate finds the app and owner of a connection id.
func (v *Vault) locate(ctx context.Context, connID string) (pointer, error) {
	if msg := outbound.ConnectionIDMessage(connID); msg != "" {
		return pointer{}, &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: []outbound.FieldError{{Field: "connectionId", Message: msg}}}
	}
	b, err := v.store.GetValue(ctx, v.keys.Connection(connID))
	if errors.Is(err, store.ErrNotFound) {
		return pointer{}, &ConnectionNotFoundError{ConnectionID: connID}
	}
	if err != nil {
		return pointer{}, fmt.Errorf("find connection %q: %w", connID, err)
	}
	var p pointer
	if err := json.Unmarshal(b, &p); err != nil {
		return pointer{}, fmt.Errorf("find connection %q: %w", connID, err)
	}
	return p, nil
}

// ownerApps lists the apps an owner has a token record for, from the owner's index (which the
// API-key vault shares: its members are record keys, and only token keys are taken here).
func (v *Vault) ownerApps(ctx context.Context, o outbound.Owner) ([]string, error) {
	members, err := v.store.SetMembers(ctx, v.indexKey(o))
	if err != nil {
		return nil, fmt.Errorf("list connections of %s %q: %w", o.Kind(), o.ID(), err)
	}
	prefix := v.keys.Tokens(o.Kind(), o.ID(), "")
	var apps []string
	for _, m := range members {
		esc, ok := strings.CutPrefix(m, prefix)
		if !ok || esc == "" {
			continue
		}
		if id, err := store.UnescapeID(esc); err == nil {
			apps = append(apps, id)
		}
	}
	return apps, nil
}

// appOwners lists the owners holding connections of an app (possibly stale).
func (v *Vault) appOwners(ctx context.Context, appID string) ([]outbound.Owner, error) {
	members, err := v.store.SetMembers(ctx, v.keys.AppSubjects(appID))
	if err != nil {
		return nil, fmt.Errorf("list owners of app %q: %w", appID, err)
	}
	var out []outbound.Owner
	for _, m := range members {
		kind, id, ok := store.ParseSubjectMember(m)
		if !ok {
			continue
		}
		switch kind {
		case outbound.OwnerUser:
			out = append(out, outbound.Owner{UserID: id})
		case outbound.OwnerTenant:
			out = append(out, outbound.Owner{TenantID: id})
		}
	}
	return out, nil
}
