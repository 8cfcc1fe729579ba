package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestPutIndexedWithSetsKeepsAndDeletesTheCompanion(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		rec, prev, idx := k.APIKeys("user", "ann", "openai"), k.APIKeyPrevious("user", "ann", "openai"), k.SubjectIndex("user", "ann")
		counter := storetest.CountRoundTrips(s)

		rev, err := s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, Data: []byte("v1"), IndexKey: idx, Member: rec}, store.Companion{Key: prev, Op: store.CompanionDelete})
		if err != nil || rev != 1 {
			t.Fatalf("create = %d, %v", rev, err)
		}
		assertWith(t, s, rec, prev, 1, "v1", "")
		counter.Reset()
		rev, err = s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, ExpectRev: rev, Data: []byte("v2"), IndexKey: idx, Member: rec}, store.Companion{Key: prev, Op: store.CompanionSet, Data: []byte("old"), TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Count(); n != 1 {
			t.Errorf("PutIndexedWith took %d round trips, want 1", n)
		}
		counter.Reset()
		assertWith(t, s, rec, prev, 2, "v2", "old")
		if n := counter.Count(); n != 1 {
			t.Errorf("GetWith took %d round trips, want 1", n)
		}
		if ttl, err := s.TTL(ctx, prev); err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
			t.Errorf("companion TTL = %v, %v; want about an hour", ttl, err)
		}
		if ttl, _ := s.TTL(ctx, rec); ttl != store.NoExpiry {
			t.Errorf("record TTL = %v, want none", ttl)
		}
		assertMembers(t, s, idx, rec)

		// A stale writer changes nothing, the companion included.
		if _, err := s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, ExpectRev: 1, Data: []byte("stale"), IndexKey: idx, Member: rec}, store.Companion{Key: prev, Op: store.CompanionDelete}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale write: err = %v, want ErrConflict", err)
		}
		assertWith(t, s, rec, prev, 2, "v2", "old")

		// Keep leaves the value and its TTL.
		if err := s.Client().PExpire(ctx, prev, 30*time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if rev, err = s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, ExpectRev: rev, Data: []byte("v3"), IndexKey: idx, Member: rec}, store.Companion{Key: prev}); err != nil {
			t.Fatal(err)
		}
		assertWith(t, s, rec, prev, 3, "v3", "old")
		if ttl, _ := s.TTL(ctx, prev); ttl <= 29*time.Minute || ttl > 30*time.Minute {
			t.Errorf("companion TTL after keep = %v, want about 30m", ttl)
		}

		if _, err = s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, ExpectRev: rev, Data: []byte("v4"), IndexKey: idx, Member: rec}, store.Companion{Key: prev, Op: store.CompanionDelete}); err != nil {
			t.Fatal(err)
		}
		assertWith(t, s, rec, prev, 4, "v4", "")
	})
}

func TestACompanionExpiresByItself(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		rec, prev, idx := k.APIKeys("tenant", "acme", "x"), k.APIKeyPrevious("tenant", "acme", "x"), k.SubjectIndex("tenant", "acme")
		if _, err := s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, Data: []byte("v1"), IndexKey: idx, Member: rec}, store.Companion{Key: prev, Op: store.CompanionSet, Data: []byte("old"), TTL: 500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, err := s.GetValue(ctx, prev); errors.Is(err, store.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the companion outlived its TTL by 10s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		assertWith(t, s, rec, prev, 1, "v1", "")
	})
}

func TestCompanionsStayInTheRecordsSlot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	k := s.Keys()
	rec, idx := k.APIKeys("user", "ann", "x"), k.SubjectIndex("user", "ann")
	elsewhere := k.APIKeyPrevious("user", "bob", "x")
	if _, err := s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, Data: []byte("v"), IndexKey: idx, Member: rec}, store.Companion{Key: elsewhere, Op: store.CompanionDelete}); err == nil {
		t.Error("PutIndexedWith with a companion in another slot succeeded")
	}
	if _, _, err := s.GetWith(ctx, rec, elsewhere); err == nil {
		t.Error("GetWith across slots succeeded")
	}
	if err := s.DeleteIndexed(ctx, rec, idx, rec, elsewhere); err == nil {
		t.Error("DeleteIndexed across slots succeeded")
	}
	if _, err := s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, Data: []byte("v"), IndexKey: idx, Member: rec}, store.Companion{Key: k.APIKeyPrevious("user", "ann", "x"), Op: 7}); err == nil {
		t.Error("an unknown companion operation was accepted")
	}
	if _, err := s.Get(ctx, rec); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused write wrote the record: %v", err)
	}
}

func TestDeleteIndexedRemovesTheCompanions(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		rec, prev, idx := k.APIKeys("user", "ann", "x"), k.APIKeyPrevious("user", "ann", "x"), k.SubjectIndex("user", "ann")
		if _, err := s.PutIndexedWith(ctx, store.IndexedPut{Key: rec, Data: []byte("v1"), IndexKey: idx, Member: rec}, store.Companion{Key: prev, Op: store.CompanionSet, Data: []byte("old"), TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIndexed(ctx, rec, idx, rec, prev); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetWith(ctx, rec, prev); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetWith after delete: err = %v, want ErrNotFound", err)
		}
		if _, err := s.GetValue(ctx, prev); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("companion after delete: err = %v, want ErrNotFound", err)
		}
		assertMembers(t, s, idx)
	})
}

// assertWith checks what GetWith reads: the record at rev with data, and the companion (""
// meaning absent).
func assertWith(t *testing.T, s *store.Store, key, companion string, rev int64, data, comp string) {
	t.Helper()
	r, c, err := s.GetWith(context.Background(), key, companion)
	if err != nil {
		t.Fatalf("GetWith: %v", err)
	}
	if r.Rev != rev || string(r.Data) != data {
		t.Errorf("record = rev %d %q, want rev %d %q", r.Rev, r.Data, rev, data)
	}
	switch {
	case comp == "" && c != nil:
		t.Errorf("companion = %q, want none", c)
	case comp != "" && string(c) != comp:
		t.Errorf("companion = %q, want %q", c, comp)
	}
}
