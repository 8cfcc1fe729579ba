package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Record is a versioned value: the data and its revision, which starts at 1 and grows by one on
// every successful Put. Records are stored as a Redis hash {rev, data}.
type Record struct {
	Rev  int64
	Data []byte
}

// Get reads a record. A missing key gives ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) (Record, error) {
	vals, err := s.client.HMGet(ctx, key, "rev", "data").Result()
	if err != nil {
		return Record{}, wrapErr(ctx, err, "get %q", key)
	}
	return parseRecord(key, vals)
}

// parseRecord reads the answer of HMGET key rev data.
func parseRecord(key string, vals []any) (Record, error) {
	if len(vals) != 2 {
		return Record{}, fmt.Errorf("store: get %q: %d fields, want rev and data", key, len(vals))
	}
	revStr, ok1 := vals[0].(string)
	data, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return Record{}, fmt.Errorf("store: get %q: %w", key, ErrNotFound)
	}
	rev, err := strconv.ParseInt(revStr, 10, 64)
	if err != nil {
		return Record{}, fmt.Errorf("store: get %q: malformed revision %q", key, revStr)
	}
	return Record{Rev: rev, Data: []byte(data)}, nil
}

// Create writes a new record at revision 1. It fails with ErrConflict when the key exists. ttl 0
// means no expiry.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) (int64, error) {
	if err := checkTTL(ttl); err != nil {
		return 0, fmt.Errorf("store: create %q: %w", key, err)
	}
	res, err := s.runWrite(ctx, scriptPut, []string{key}, 0, data, ttl.Milliseconds()).Int64()
	return casResult(ctx, res, err, "create %q", key)
}

// Put is a compare-and-set: with expectRev 0 the record must not exist; with expectRev > 0 its
// current revision must equal expectRev (missing gives ErrNotFound, another revision ErrConflict).
// It returns the new revision. The TTL is reset to ttl; 0 removes any expiry.
func (s *Store) Put(ctx context.Context, key string, expectRev int64, data []byte, ttl time.Duration) (int64, error) {
	if err := checkCAS(expectRev, ttl); err != nil {
		return 0, fmt.Errorf("store: put %q: %w", key, err)
	}
	res, err := s.runWrite(ctx, scriptPut, []string{key}, expectRev, data, ttl.Milliseconds()).Int64()
	return casResult(ctx, res, err, "put %q at rev %d", key, expectRev)
}

// LoggedPut is a Put of a record plus entries appended to a log beside it, as PutAndAppend
// writes them.
type LoggedPut struct {
	// Key, ExpectRev, Data and TTL are as Put takes them.
	Key       string
	ExpectRev int64
	Data      []byte
	TTL       time.Duration
	// LogKey names the list Entries are appended to; it must share Key's hash tag (e.g.
	// Execution and ExecutionEvents). The list keeps its newest MaxEntries (0: all).
	LogKey     string
	Entries    [][]byte
	MaxEntries int
}

// PutAndAppend is Put plus appending p.Entries to the list p.LogKey, trimming it to the newest
// p.MaxEntries and giving it the record's TTL — atomically, in one round trip. On ErrNotFound or
// ErrConflict nothing is written.
func (s *Store) PutAndAppend(ctx context.Context, p LoggedPut) (int64, error) {
	if err := checkCAS(p.ExpectRev, p.TTL); err != nil {
		return 0, fmt.Errorf("store: put %q: %w", p.Key, err)
	}
	if p.MaxEntries < 0 {
		return 0, fmt.Errorf("store: put %q: negative maxEntries %d", p.Key, p.MaxEntries)
	}
	if err := sameSlot(p.Key, p.LogKey); err != nil {
		return 0, err
	}
	args := make([]any, 0, 4+len(p.Entries))
	args = append(args, p.ExpectRev, p.Data, p.TTL.Milliseconds(), p.MaxEntries)
	for _, e := range p.Entries {
		args = append(args, e)
	}
	res, err := s.runWrite(ctx, scriptPutAndAppend, []string{p.Key, p.LogKey}, args...).Int64()
	return casResult(ctx, res, err, "put %q at rev %d with log", p.Key, p.ExpectRev)
}

// Log reads a whole list written by PutAndAppend, oldest first. A missing list is empty, not an
// error.
func (s *Store) Log(ctx context.Context, logKey string) ([][]byte, error) {
	vals, err := s.client.LRange(ctx, logKey, 0, -1).Result()
	if err != nil {
		return nil, wrapErr(ctx, err, "read log %q", logKey)
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out, nil
}

// IndexedPut is a Put of a record that also adds it to an index set, as PutIndexed,
// PutIndexedIfLocked and PutIndexedWith write it.
type IndexedPut struct {
	// Key, ExpectRev, Data and TTL are as Put takes them.
	Key       string
	ExpectRev int64
	Data      []byte
	TTL       time.Duration
	// Member is added to the set IndexKey, which must share Key's hash tag.
	IndexKey string
	Member   string
}

// PutIndexed is Put plus adding p.Member to the set p.IndexKey, atomically. The index keeps no
// TTL: when the record expires, the member stays until DeleteIndexed or SetRemove removes it, so
// readers of an index must tolerate missing records.
func (s *Store) PutIndexed(ctx context.Context, p IndexedPut) (int64, error) {
	if err := checkCAS(p.ExpectRev, p.TTL); err != nil {
		return 0, fmt.Errorf("store: put %q: %w", p.Key, err)
	}
	if err := sameSlot(p.Key, p.IndexKey); err != nil {
		return 0, err
	}
	res, err := s.runWrite(ctx, scriptPutIndexed, []string{p.Key, p.IndexKey}, p.ExpectRev, p.Data, p.TTL.Milliseconds(), p.Member).Int64()
	return casResult(ctx, res, err, "put %q at rev %d with index", p.Key, p.ExpectRev)
}

// PutIndexedIfLocked is PutIndexed fenced by lock: in the same atomic step it checks that lock is
// still held by its owner, and writes nothing, returning ErrLockLost, when it is not (it expired,
// or someone else took it). A holder that stalled past its lock's TTL therefore cannot overwrite
// what the next holder wrote. The lock's key must share p.Key's hash tag, like p.IndexKey.
func (s *Store) PutIndexedIfLocked(ctx context.Context, lock *Lock, p IndexedPut) (int64, error) {
	if err := checkCAS(p.ExpectRev, p.TTL); err != nil {
		return 0, fmt.Errorf("store: put %q: %w", p.Key, err)
	}
	if err := sameSlot(p.Key, p.IndexKey, lock.key); err != nil {
		return 0, err
	}
	res, err := s.runWrite(ctx, scriptPutIndexedIfLocked, []string{p.Key, p.IndexKey, lock.key},
		p.ExpectRev, p.Data, p.TTL.Milliseconds(), p.Member, lock.token).Int64()
	return casResult(ctx, res, err, "put %q at rev %d under lock %q", p.Key, p.ExpectRev, lock.key)
}

// DeleteIndexed deletes key (and the keys in also, such as the record's companions) and removes
// member from indexKey, atomically. indexKey and also must share key's hash tag. Deleting what is
// already gone is not an error.
func (s *Store) DeleteIndexed(ctx context.Context, key, indexKey, member string, also ...string) error {
	keys := append([]string{key, indexKey}, also...)
	if err := sameSlot(keys...); err != nil {
		return err
	}
	err := s.runWrite(ctx, scriptDeleteIndexed, keys, member).Err()
	return wrapErr(ctx, err, "delete %q from index %q", key, indexKey)
}

// Delete removes keys; missing keys are not an error. Keys may lie in different Cluster slots:
// they are grouped by hash tag, one DEL per group, all sent in one pipeline. The deletion is
// atomic within a group, not across groups.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	groups := map[string][]string{}
	var order []string
	for _, k := range keys {
		tag := hashTag(k)
		if _, ok := groups[tag]; !ok {
			order = append(order, tag)
		}
		groups[tag] = append(groups[tag], k)
	}
	if len(order) == 1 {
		return wrapErr(ctx, s.client.Del(ctx, keys...).Err(), "delete %d keys", len(keys))
	}
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, tag := range order {
			p.Del(ctx, groups[tag]...)
		}
		return nil
	})
	return wrapErr(ctx, err, "delete %d keys", len(keys))
}

func checkCAS(expectRev int64, ttl time.Duration) error {
	if expectRev < 0 {
		return fmt.Errorf("negative expected revision %d", expectRev)
	}
	return checkTTL(ttl)
}

func casResult(ctx context.Context, res int64, err error, format string, args ...any) (int64, error) {
	if err != nil {
		return 0, wrapErr(ctx, err, format, args...)
	}
	switch res {
	case scriptNotFound:
		return 0, fmt.Errorf("store: %s: %w", fmt.Sprintf(format, args...), ErrNotFound)
	case scriptConflict:
		return 0, fmt.Errorf("store: %s: %w", fmt.Sprintf(format, args...), ErrConflict)
	case scriptLockLost:
		return 0, fmt.Errorf("store: %s: %w", fmt.Sprintf(format, args...), ErrLockLost)
	}
	return res, nil
}
