package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestTakeOnceSingleUse(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().OAuthState("st1")
		if err := s.PutOnce(ctx, key, []byte("exec-1"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.PutOnce(ctx, key, []byte("other"), time.Minute); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second PutOnce: err = %v, want ErrConflict", err)
		}
		if v, err := s.Peek(ctx, key); err != nil || string(v) != "exec-1" {
			t.Fatalf("Peek = %q, %v", v, err)
		}

		const takers = 50
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range takers {
			wg.Go(func() {
				<-start
				v, err := s.TakeOnce(ctx, key)
				switch {
				case err == nil:
					wins.Add(1)
					if string(v) != "exec-1" {
						t.Errorf("winner got %q", v)
					}
				case !errors.Is(err, store.ErrNotFound):
					t.Errorf("loser got %v, want ErrNotFound", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("%d of %d concurrent takers got the value, want exactly 1", n, takers)
		}
		if _, err := s.Peek(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Peek after take: err = %v, want ErrNotFound", err)
		}
	})
}

func TestValuesExpire(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		once, plain, rec := k.BrowserLink("h1"), k.Connection("c1"), k.Execution("e1")
		const ttl = 300 * time.Millisecond
		if err := s.PutOnce(ctx, once, []byte("x"), ttl); err != nil {
			t.Fatal(err)
		}
		if err := s.SetValue(ctx, plain, []byte("x"), ttl); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, rec, []byte("x"), ttl); err != nil {
			t.Fatal(err)
		}
		if d, err := s.TTL(ctx, plain); err != nil || d <= 0 || d > ttl {
			t.Fatalf("TTL = %v, %v; want within (0, %v]", d, err, ttl)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err1 := s.Peek(ctx, once)
			_, err2 := s.GetValue(ctx, plain)
			_, err3 := s.Get(ctx, rec)
			if errors.Is(err1, store.ErrNotFound) && errors.Is(err2, store.ErrNotFound) && errors.Is(err3, store.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("values with a %v TTL still there after 5s: %v, %v, %v", ttl, err1, err2, err3)
			}
			time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an outcome
		}
		if _, err := s.TakeOnce(ctx, once); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("TakeOnce of an expired value: err = %v, want ErrNotFound", err)
		}
		if _, err := s.TTL(ctx, plain); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("TTL of an expired key: err = %v, want ErrNotFound", err)
		}
	})
}

func TestPlainValues(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().FlowSource("signup", "abc")
		if _, err := s.GetValue(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetValue on missing: %v", err)
		}
		for _, v := range []string{"one", "two"} {
			if err := s.SetValue(ctx, key, []byte(v), 0); err != nil {
				t.Fatal(err)
			}
		}
		if v, err := s.GetValue(ctx, key); err != nil || string(v) != "two" {
			t.Fatalf("GetValue = %q, %v", v, err)
		}
		if d, err := s.TTL(ctx, key); err != nil || d != store.NoExpiry {
			t.Fatalf("TTL = %v, %v; want NoExpiry", d, err)
		}
		if err := s.SetValue(ctx, key, []byte("x"), -time.Second); err == nil {
			t.Fatal("negative TTL accepted")
		}
	})
}

func TestSets(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().AppSubjects("google")
		assertMembers(t, s, key)
		a, b := store.SubjectMember("user", "u:1"), store.SubjectMember("tenant", "t1")
		if err := s.SetAdd(ctx, key, a, b, a); err != nil {
			t.Fatal(err)
		}
		assertMembers(t, s, key, a, b)
		if err := s.SetRemove(ctx, key, a, "absent"); err != nil {
			t.Fatal(err)
		}
		assertMembers(t, s, key, b)
		if err := s.SetAdd(ctx, key); err != nil {
			t.Fatalf("SetAdd with no members: %v", err)
		}
	})
}

func assertMembers(t *testing.T, s *store.Store, key string, want ...string) {
	t.Helper()
	got, err := s.SetMembers(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("members of %s = %q, want %q", key, got, want)
	}
}

func TestReplaceValueKeepsTheTTLAndNeverRevives(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().OAuthState("h1")
		if err := s.PutOnce(ctx, key, []byte("old"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.ReplaceValue(ctx, key, []byte("other"), []byte("new")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("replace of a changed value: %v, want ErrConflict", err)
		}
		if err := s.ReplaceValue(ctx, key, []byte("old"), []byte("new")); err != nil {
			t.Fatal(err)
		}
		if v, err := s.GetValue(ctx, key); err != nil || string(v) != "new" {
			t.Fatalf("after replace: %q, %v", v, err)
		}
		if d, err := s.TTL(ctx, key); err != nil || d <= 59*time.Minute {
			t.Fatalf("TTL after replace = %v, %v; want the hour kept", d, err)
		}
		if _, err := s.TakeOnce(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := s.ReplaceValue(ctx, key, []byte("new"), []byte("newer")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("replace of a taken value: %v, want ErrNotFound", err)
		}
		if _, err := s.GetValue(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("a taken value came back")
		}
		plain := s.Keys().FlowSource("f", "h")
		if err := s.SetValue(ctx, plain, []byte("a"), 0); err != nil {
			t.Fatal(err)
		}
		if err := s.ReplaceValue(ctx, plain, []byte("a"), []byte("b")); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.TTL(ctx, plain); d != store.NoExpiry {
			t.Fatalf("a value without expiry got TTL %v", d)
		}
	})
}
