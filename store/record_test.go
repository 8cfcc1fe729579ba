package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestRecordCompareAndSet(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().Execution("e1")

		if _, err := s.Get(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get on a missing record: err = %v, want ErrNotFound", err)
		}
		if _, err := s.Put(ctx, key, 3, []byte("x"), 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Put rev 3 on a missing record: err = %v, want ErrNotFound", err)
		}
		rev, err := s.Create(ctx, key, []byte(`{"step":"a"}`), time.Minute)
		if err != nil || rev != 1 {
			t.Fatalf("Create = %d, %v; want 1, nil", rev, err)
		}
		if _, err := s.Create(ctx, key, []byte("again"), 0); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second Create: err = %v, want ErrConflict", err)
		}
		if _, err := s.Put(ctx, key, 0, []byte("again"), 0); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("Put rev 0 on an existing record: err = %v, want ErrConflict", err)
		}
		rev, err = s.Put(ctx, key, 1, []byte(`{"step":"b"}`), time.Minute)
		if err != nil || rev != 2 {
			t.Fatalf("Put rev 1 = %d, %v; want 2, nil", rev, err)
		}
		if _, err := s.Put(ctx, key, 1, []byte(`{"step":"stale"}`), time.Minute); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale Put: err = %v, want ErrConflict", err)
		}
		got, err := s.Get(ctx, key)
		if err != nil || got.Rev != 2 || string(got.Data) != `{"step":"b"}` {
			t.Fatalf("Get = %+v, %v; want rev 2 step b", got, err)
		}
		// ttl 0 removes the expiry.
		if _, err := s.Put(ctx, key, 2, []byte("forever"), 0); err != nil {
			t.Fatal(err)
		}
		if ttl, err := s.TTL(ctx, key); err != nil || ttl != store.NoExpiry {
			t.Fatalf("TTL after Put with ttl 0 = %v, %v; want NoExpiry", ttl, err)
		}
	})
}

func TestRecordBinaryData(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().Connection("c1")
		data := []byte{0, 1, 2, 0xff, '\n', 0}
		if _, err := s.Create(ctx, key, data, 0); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, key)
		if err != nil || string(got.Data) != string(data) {
			t.Fatalf("Get = %q, %v; want %q", got.Data, err, data)
		}
	})
}

func TestRecordRacingWritersOneWins(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().Execution("race")
		if _, err := s.Create(ctx, key, []byte("start"), time.Minute); err != nil {
			t.Fatal(err)
		}
		const writers = 20
		var wg sync.WaitGroup
		results := make(chan error, writers)
		for i := range writers {
			wg.Go(func() {
				_, err := s.Put(ctx, key, 1, fmt.Appendf(nil, "writer %d", i), time.Minute)
				results <- err
			})
		}
		wg.Wait()
		close(results)
		won := 0
		for err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("loser got %v, want ErrConflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d writers won, want exactly 1", won)
		}
	})
}

func TestPutAndAppend(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		key, log := k.Execution("e1"), k.ExecutionEvents("e1")

		rev, err := s.PutAndAppend(ctx, store.LoggedPut{Key: key, Data: []byte("s1"), TTL: time.Minute, LogKey: log, Entries: [][]byte{[]byte("started")}, MaxEntries: 3})
		if err != nil || rev != 1 {
			t.Fatalf("first PutAndAppend = %d, %v", rev, err)
		}
		for i := range 4 {
			rev, err = s.PutAndAppend(ctx, store.LoggedPut{Key: key, ExpectRev: rev, Data: []byte("s"), TTL: time.Minute, LogKey: log, Entries: [][]byte{fmt.Appendf(nil, "step %d", i)}, MaxEntries: 3})
			if err != nil {
				t.Fatal(err)
			}
		}
		entries, err := s.Log(ctx, log)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%q", entries); got != `["step 1" "step 2" "step 3"]` {
			t.Fatalf("log = %s, want the newest 3 entries", got)
		}
		ttl, err := s.TTL(ctx, log)
		if err != nil || ttl <= 0 || ttl > time.Minute {
			t.Fatalf("log TTL = %v, %v; want the record's TTL", ttl, err)
		}

		// A lost compare-and-set writes nothing, neither record nor log.
		if _, err := s.PutAndAppend(ctx, store.LoggedPut{Key: key, ExpectRev: 1, Data: []byte("stale"), TTL: time.Hour, LogKey: log, Entries: [][]byte{[]byte("stale")}, MaxEntries: 3}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale PutAndAppend: err = %v, want ErrConflict", err)
		}
		if entries, _ := s.Log(ctx, log); len(entries) != 3 || string(entries[2]) != "step 3" {
			t.Fatalf("log changed by a failed transition: %q", entries)
		}

		// Many entries at once, no trimming.
		many := make([][]byte, 250)
		for i := range many {
			many[i] = fmt.Appendf(nil, "m%d", i)
		}
		if _, err := s.PutAndAppend(ctx, store.LoggedPut{Key: key, ExpectRev: rev, Data: []byte("s"), LogKey: log, Entries: many}); err != nil {
			t.Fatal(err)
		}
		entries, _ = s.Log(ctx, log)
		if len(entries) != 253 || string(entries[252]) != "m249" {
			t.Fatalf("log has %d entries, last %q; want 253 ending m249", len(entries), entries[len(entries)-1])
		}
		if ttl, _ := s.TTL(ctx, log); ttl != store.NoExpiry {
			t.Fatalf("log TTL after ttl 0 = %v, want NoExpiry", ttl)
		}
	})
}

func TestPutAndAppendRefusesKeysInDifferentSlots(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	k := s.Keys()
	_, err := s.PutAndAppend(context.Background(), store.LoggedPut{Key: k.Execution("a"), Data: []byte("x"), LogKey: k.ExecutionEvents("b")})
	if err == nil {
		t.Fatal("PutAndAppend across two executions succeeded; it would fail with CROSSSLOT on a Cluster")
	}
	if _, err := s.Get(context.Background(), k.Execution("a")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("record written despite the refusal: %v", err)
	}
}

func TestPutIndexedAndDeleteIndexed(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		for _, id := range []string{"google", "slack"} {
			if _, err := s.PutIndexed(ctx, store.IndexedPut{Key: k.App(id), Data: []byte("{}"), TTL: 0, IndexKey: k.AppIndex(), Member: id}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.PutIndexed(ctx, store.IndexedPut{Key: k.App("google"), Data: []byte("{}"), TTL: 0, IndexKey: k.AppIndex(), Member: "google"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate PutIndexed: err = %v, want ErrConflict", err)
		}
		assertMembers(t, s, k.AppIndex(), "google", "slack")

		if err := s.DeleteIndexed(ctx, k.App("google"), k.AppIndex(), "google"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, k.App("google")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted app still readable: %v", err)
		}
		assertMembers(t, s, k.AppIndex(), "slack")
		if err := s.DeleteIndexed(ctx, k.App("google"), k.AppIndex(), "google"); err != nil {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}

func TestDeleteAcrossSlots(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		keys := []string{k.Execution("a"), k.ExecutionEvents("a"), k.Execution("b"), k.Connection("c")}
		for _, key := range keys {
			if err := s.SetValue(ctx, key, []byte("v"), 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Delete(ctx, append(keys, k.Execution("never-existed"))...); err != nil {
			t.Fatal(err)
		}
		for _, key := range keys {
			if _, err := s.GetValue(ctx, key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s survived Delete: %v", key, err)
			}
		}
		if err := s.Delete(ctx); err != nil {
			t.Fatalf("Delete of nothing: %v", err)
		}
	})
}
