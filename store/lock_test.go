package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestLockOwnership(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().RefreshLock("user", "u1", "google", "c1")

		mine, err := s.Lock(ctx, key, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Token()) != 32 {
			t.Fatalf("token %q is not 128 bits of hex", mine.Token())
		}
		if _, err := s.Lock(ctx, key, 10*time.Second); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("second Lock: err = %v, want ErrLocked", err)
		}
		if err := mine.Extend(ctx, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.TTL(ctx, key); d <= 10*time.Second {
			t.Fatalf("TTL after Extend = %v, want > 10s", d)
		}

		// The lock is lost (expired) and someone else takes it: the old owner can neither release
		// nor extend it, and the new owner's lock survives.
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		theirs, err := s.Lock(ctx, key, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := mine.Release(ctx); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("non-owner Release: err = %v, want ErrConflict", err)
		}
		if err := mine.Extend(ctx, time.Minute); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("non-owner Extend: err = %v, want ErrConflict", err)
		}
		if _, err := s.Lock(ctx, key, time.Second); !errors.Is(err, store.ErrLocked) {
			t.Fatalf("lock gone after a non-owner release: %v", err)
		}
		if err := theirs.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if err := theirs.Release(ctx); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second Release: err = %v, want ErrConflict", err)
		}
		if _, err := s.Lock(ctx, key, 0); err == nil {
			t.Fatal("Lock with no TTL accepted; it could be held forever")
		}
	})
}

func TestWaitUnlocked(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().RefreshLock("user", "u1", "google", "c1")
		if err := s.WaitUnlocked(ctx, key, time.Millisecond); err != nil {
			t.Fatalf("WaitUnlocked on a free key: %v", err)
		}
		l, err := s.Lock(ctx, key, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := s.WaitUnlocked(short, key, 5*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitUnlocked on a held lock: err = %v, want DeadlineExceeded", err)
		}
		done := make(chan error, 1)
		go func() { done <- s.WaitUnlocked(ctx, key, 5*time.Millisecond) }()
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("WaitUnlocked did not return after the lock was released")
		}
	})
}

func TestPutIndexedIfLockedIsFencedByTheLock(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		rec, idx := k.Tokens("user", "u1", "crm"), k.SubjectIndex("user", "u1")
		lockKey := k.RefreshLock("user", "u1", "crm", "c1")
		mine, err := s.Lock(ctx, lockKey, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := s.PutIndexedIfLocked(ctx, mine, store.IndexedPut{Key: rec, Data: []byte("v1"), IndexKey: idx, Member: rec})
		if err != nil || rev != 1 {
			t.Fatalf("write under a held lock: rev %d, %v", rev, err)
		}
		assertMembers(t, s, idx, rec)
		if _, err := s.PutIndexedIfLocked(ctx, mine, store.IndexedPut{Key: rec, ExpectRev: 7, Data: []byte("v?"), IndexKey: idx, Member: rec}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale revision under a held lock: %v, want ErrConflict", err)
		}

		// The lock expires and someone else takes it: the old holder's write is refused.
		if err := s.Delete(ctx, lockKey); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutIndexedIfLocked(ctx, mine, store.IndexedPut{Key: rec, ExpectRev: 1, Data: []byte("late"), IndexKey: idx, Member: rec}); !errors.Is(err, store.ErrLockLost) {
			t.Fatalf("write after the lock expired: %v, want ErrLockLost", err)
		}
		theirs, err := s.Lock(ctx, lockKey, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutIndexedIfLocked(ctx, mine, store.IndexedPut{Key: rec, ExpectRev: 1, Data: []byte("late"), IndexKey: idx, Member: rec}); !errors.Is(err, store.ErrLockLost) {
			t.Fatalf("write under someone else's lock: %v, want ErrLockLost", err)
		}
		if got, err := s.Get(ctx, rec); err != nil || string(got.Data) != "v1" || got.Rev != 1 {
			t.Fatalf("record after refused writes: %q rev %d, %v", got.Data, got.Rev, err)
		}
		if _, err := s.PutIndexedIfLocked(ctx, theirs, store.IndexedPut{Key: rec, ExpectRev: 1, Data: []byte("v2"), IndexKey: idx, Member: rec}); err != nil {
			t.Fatalf("the new holder's write: %v", err)
		}
		if _, err := s.PutIndexedIfLocked(ctx, theirs, store.IndexedPut{Key: k.Tokens("user", "u2", "crm"), Data: []byte("x"), IndexKey: idx, Member: rec}); err == nil {
			t.Fatal("a fenced write across cluster slots was accepted")
		}
	})
}
