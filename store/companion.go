package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// CompanionOp is what a write does to a record's companion value.
type CompanionOp int

const (
	// CompanionKeep leaves the companion as it is, TTL included.
	CompanionKeep CompanionOp = iota
	// CompanionSet writes Companion.Data with Companion.TTL.
	CompanionSet
	// CompanionDelete removes the companion.
	CompanionDelete
)

// Companion is a plain value kept beside a record under its own key and with its own TTL, so
// that Redis removes it on time however long the record lives — e.g. a rotated-out credential
// that must stop existing when its grace period ends, with no reader or writer involved. Its key
// must share the record's hash tag. PutIndexedWith changes it in the same atomic step as the
// record, GetWith reads both in one round trip, DeleteIndexed removes both, and ReplaceValue
// rewrites it in place keeping its TTL.
type Companion struct {
	// Key names the companion value.
	Key string
	// Op says what the write does to it; the zero value keeps it.
	Op CompanionOp
	// Data and TTL (0: no expiry) are what CompanionSet writes.
	Data []byte
	TTL  time.Duration
}

// PutIndexedWith is PutIndexed plus the change c describes to the record's companion value, in
// one atomic step: on ErrNotFound or ErrConflict neither the record, nor its index, nor the
// companion changes. c.Key must share p.Key's hash tag, like p.IndexKey.
func (s *Store) PutIndexedWith(ctx context.Context, p IndexedPut, c Companion) (int64, error) {
	if err := checkCAS(p.ExpectRev, p.TTL); err != nil {
		return 0, fmt.Errorf("store: put %q: %w", p.Key, err)
	}
	switch c.Op {
	case CompanionKeep, CompanionDelete:
	case CompanionSet:
		if err := checkTTL(c.TTL); err != nil {
			return 0, fmt.Errorf("store: put %q: companion %q: %w", p.Key, c.Key, err)
		}
	default:
		return 0, fmt.Errorf("store: put %q: unknown companion operation %d", p.Key, c.Op)
	}
	if err := sameSlot(p.Key, p.IndexKey, c.Key); err != nil {
		return 0, err
	}
	cdata := c.Data
	if cdata == nil {
		cdata = []byte{}
	}
	res, err := s.runWrite(ctx, scriptPutIndexedWith, []string{p.Key, p.IndexKey, c.Key},
		p.ExpectRev, p.Data, p.TTL.Milliseconds(), p.Member, int(c.Op), cdata, c.TTL.Milliseconds()).Int64()
	return casResult(ctx, res, err, "put %q at rev %d with index and companion %q", p.Key, p.ExpectRev, c.Key)
}

// GetWith reads a record and its companion value together: one round trip, one consistent
// snapshot (MULTI/EXEC), so the companion is the one the record's revision was written with
// (or left since). A missing record gives ErrNotFound; a missing companion (never written,
// deleted, expired) gives nil data and no error. companionKey must share key's hash tag.
func (s *Store) GetWith(ctx context.Context, key, companionKey string) (Record, []byte, error) {
	if err := sameSlot(key, companionKey); err != nil {
		return Record{}, nil, err
	}
	var (
		rec  *redis.SliceCmd
		comp *redis.StringCmd
	)
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		rec = p.HMGet(ctx, key, "rev", "data")
		comp = p.Get(ctx, companionKey)
		return nil
	})
	// The pipeline reports the first failed command; a missing companion (redis.Nil) is not a
	// failure.
	if err != nil && !errors.Is(err, redis.Nil) {
		return Record{}, nil, wrapErr(ctx, err, "get %q with %q", key, companionKey)
	}
	if err := rec.Err(); err != nil {
		return Record{}, nil, wrapErr(ctx, err, "get %q", key)
	}
	r, err := parseRecord(key, rec.Val())
	if err != nil {
		return Record{}, nil, err
	}
	v, err := comp.Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return r, nil, nil
	case err != nil:
		return Record{}, nil, wrapErr(ctx, err, "get %q", companionKey)
	}
	return r, v, nil
}
