package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestHitCountsWithinOneWindowThatStartsAtTheFirstHit(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key := s.Keys().ConsoleSignIns("203.0.113.7")
		for want := int64(1); want <= 3; want++ {
			n, err := s.Hit(ctx, key, time.Minute)
			if err != nil || n != want {
				t.Fatalf("hit %d = %d, %v", want, n, err)
			}
		}
		ttl, err := s.TTL(ctx, key)
		if err != nil || ttl <= 0 || ttl > time.Minute {
			t.Fatalf("ttl = %v, %v: want the window, set at the first hit", ttl, err)
		}
		if _, err := s.Hit(ctx, key, 0); err == nil {
			t.Fatal("a zero window was taken")
		}
	})
}

func TestExecutionIDReadsBackTheKeysOfExecutionsOnly(t *testing.T) {
	t.Parallel()
	k, err := store.NewKeys("p")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"e1", "a:b{c}*"} {
		if got, ok := k.ExecutionID(k.Execution(id)); !ok || got != id {
			t.Errorf("ExecutionID(Execution(%q)) = %q, %v", id, got, ok)
		}
	}
	for _, key := range []string{k.ExecutionEvents("e1"), k.App("e1"), "q:{exec:e1}"} {
		if got, ok := k.ExecutionID(key); ok {
			t.Errorf("ExecutionID(%q) = %q, want none", key, got)
		}
	}
	if k.ExecutionPattern() != "p:{exec:*}" {
		t.Errorf("pattern %q", k.ExecutionPattern())
	}
}
