package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"
)

// Lock is a held Redis lock: a key set to a random owner token with a TTL. Only the holder of the
// token can release or extend it, so a holder that stalled past the TTL cannot free a lock someone
// else now holds. Its methods may be called from several goroutines at once (a holder extends
// it in the background while it works and writes under it, see PutIndexedIfLocked).
type Lock struct {
	s     *Store
	key   string
	token string
}

// Lock takes the lock at key for ttl (which must be positive). It returns ErrLocked when someone
// else holds it; it does not wait (see WaitUnlocked).
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (*Lock, error) {
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("store: lock %q: ttl must be at least 1ms, got %v", key, ttl)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("store: lock %q: owner token: %w", key, err)
	}
	token := hex.EncodeToString(b[:])
	ok, err := s.client.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return nil, wrapErr(ctx, err, "lock %q", key)
	}
	if !ok {
		return nil, fmt.Errorf("store: lock %q: %w", key, ErrLocked)
	}
	return &Lock{s: s, key: key, token: token}, nil
}

// Release frees the lock if this owner still holds it. When the lock expired or was taken by
// someone else it returns ErrConflict and deletes nothing.
func (l *Lock) Release(ctx context.Context) error {
	n, err := scriptUnlock.Run(ctx, l.s.client, []string{l.key}, l.token).Int64()
	if err != nil {
		return wrapErr(ctx, err, "release lock %q", l.key)
	}
	if n == 0 {
		return fmt.Errorf("store: release lock %q: no longer held by this owner: %w", l.key, ErrConflict)
	}
	return nil
}

// Extend resets the lock's TTL to ttl if this owner still holds it, else returns ErrConflict.
func (l *Lock) Extend(ctx context.Context, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return fmt.Errorf("store: extend lock %q: ttl must be at least 1ms, got %v", l.key, ttl)
	}
	n, err := scriptExtend.Run(ctx, l.s.client, []string{l.key}, l.token, ttl.Milliseconds()).Int64()
	if err != nil {
		return wrapErr(ctx, err, "extend lock %q", l.key)
	}
	if n == 0 {
		return fmt.Errorf("store: extend lock %q: no longer held by this owner: %w", l.key, ErrConflict)
	}
	return nil
}

// Key returns the lock's key.
func (l *Lock) Key() string { return l.key }

// Token returns the owner token (128 random bits, hex).
func (l *Lock) Token() string { return l.token }

// LogValue shows the key only.
func (l *Lock) LogValue() slog.Value { return slog.GroupValue(slog.String("key", l.key)) }

// WaitUnlocked polls every poll (default 50ms) until key no longer exists, and returns nil then,
// or ctx's error when ctx ends first. Use it to wait for another instance's work (a token
// refresh) before reading its result.
func (s *Store) WaitUnlocked(ctx context.Context, key string, poll time.Duration) error {
	if poll <= 0 {
		poll = 50 * time.Millisecond
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: wait for lock %q: %w", key, ctx.Err())
		case <-t.C:
		}
		n, err := s.client.Exists(ctx, key).Result()
		if err != nil {
			return wrapErr(ctx, err, "wait for lock %q", key)
		}
		if n == 0 {
			return nil
		}
		t.Reset(poll)
	}
}
