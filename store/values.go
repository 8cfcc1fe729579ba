package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// NoExpiry is what TTL returns for a key that exists but never expires.
const NoExpiry time.Duration = -1

// PutOnce stores a single-use value (a pending OAuth state, a browser link) unless the key is
// already present, in which case it returns ErrConflict. ttl 0 means no expiry.
func (s *Store) PutOnce(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return fmt.Errorf("store: put once %q: %w", key, err)
	}
	ok, err := s.client.SetNX(ctx, key, data, ttl).Result()
	if err != nil {
		return wrapErr(ctx, err, "put once %q", key)
	}
	if !ok {
		return fmt.Errorf("store: put once %q: %w", key, ErrConflict)
	}
	return nil
}

// TakeOnce reads and deletes a value in one step (GETDEL), so among any number of concurrent
// takers exactly one gets it. Absent, expired or already taken gives ErrNotFound.
func (s *Store) TakeOnce(ctx context.Context, key string) ([]byte, error) {
	v, err := s.client.GetDel(ctx, key).Bytes()
	if err != nil {
		return nil, wrapErr(ctx, err, "take %q", key)
	}
	return v, nil
}

// Peek reads a single-use value without taking it. Absent gives ErrNotFound.
func (s *Store) Peek(ctx context.Context, key string) ([]byte, error) {
	return s.GetValue(ctx, key)
}

// ReplaceValue sets the plain value at key to data, keeping its TTL, only if it still holds old:
// ErrNotFound when the key is gone (expired, taken), ErrConflict when it holds something else.
// It rewrites a single-use value in place (re-sealing it under a new key) without ever bringing
// back one that was taken meanwhile.
func (s *Store) ReplaceValue(ctx context.Context, key string, old, data []byte) error {
	res, err := s.runWrite(ctx, scriptReplaceValue, []string{key}, old, data).Int64()
	if err != nil {
		return wrapErr(ctx, err, "replace %q", key)
	}
	switch res {
	case scriptNotFound:
		return fmt.Errorf("store: replace %q: %w", key, ErrNotFound)
	case scriptConflict:
		return fmt.Errorf("store: replace %q: %w", key, ErrConflict)
	}
	return nil
}

// SetValue writes a plain value, replacing any previous one. ttl 0 means no expiry.
func (s *Store) SetValue(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return fmt.Errorf("store: set %q: %w", key, err)
	}
	return wrapErr(ctx, s.setWrite(ctx, key, data, ttl), "set %q", key)
}

// GetValue reads a plain value. Absent gives ErrNotFound.
func (s *Store) GetValue(ctx context.Context, key string) ([]byte, error) {
	v, err := s.client.Get(ctx, key).Bytes()
	if err != nil {
		return nil, wrapErr(ctx, err, "get %q", key)
	}
	return v, nil
}

// SetAdd adds members to the set at key. No members is a no-op.
func (s *Store) SetAdd(ctx context.Context, key string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	return wrapErr(ctx, s.client.SAdd(ctx, key, toAny(members)...).Err(), "add to set %q", key)
}

// SetRemove removes members from the set at key; absent members are ignored.
func (s *Store) SetRemove(ctx context.Context, key string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	return wrapErr(ctx, s.client.SRem(ctx, key, toAny(members)...).Err(), "remove from set %q", key)
}

// SetMembers lists the set at key in no particular order. A missing set is empty.
func (s *Store) SetMembers(ctx context.Context, key string) ([]string, error) {
	m, err := s.client.SMembers(ctx, key).Result()
	if err != nil {
		return nil, wrapErr(ctx, err, "list set %q", key)
	}
	return m, nil
}

// TTL returns how long key has left to live: NoExpiry when it never expires, ErrNotFound when it
// does not exist. On the embedded store, TTLs move in steps of about 250ms.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, error) {
	d, err := s.client.PTTL(ctx, key).Result()
	if err != nil {
		return 0, wrapErr(ctx, err, "ttl of %q", key)
	}
	switch d {
	case -2:
		return 0, fmt.Errorf("store: ttl of %q: %w", key, ErrNotFound)
	case -1:
		return NoExpiry, nil
	}
	return d, nil
}

// KEYS[1] counter. ARGV: window ms. The window starts with the first hit.
var scriptHit = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`)

// Hit adds one to the counter at key and returns its count. The counter expires window after
// its first hit, so it counts hits in fixed windows (a rate limit shared by every instance).
func (s *Store) Hit(ctx context.Context, key string, window time.Duration) (int64, error) {
	if window < time.Millisecond {
		return 0, fmt.Errorf("store: hit %q: window %v is below Redis's 1ms resolution", key, window)
	}
	n, err := scriptHit.Run(ctx, s.client, []string{key}, window.Milliseconds()).Int64()
	if err != nil {
		return 0, wrapErr(ctx, err, "hit %q", key)
	}
	return n, nil
}

func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("negative ttl %v", ttl)
	}
	if ttl > 0 && ttl < time.Millisecond {
		return fmt.Errorf("ttl %v is below Redis's 1ms resolution", ttl)
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
