package oauth

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/outflowhq/outflow/internal/redistest"
	"github.com/outflowhq/outflow/store"
)

// Newly issued tokens wait for a replica even where executions, connections and keys do not
// (durability=tokens): a connection's tokens are on the replica the moment the callback
// returns, and a rotated refresh token no replica confirms is an error (a 503), never kept as
// if it were safe.
func TestTokenWritesAlwaysWaitForAReplica(t *testing.T) {
	t.Parallel()
	master := redistest.Server(t)
	replica := redistest.Replica(t, master)
	s, err := store.Open(t.Context(), store.Options{URL: "redis://" + master.Addr() + "/0?durability=tokens&replica_timeout=300ms", Prefix: "durable", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := setupVaultOn(t, s)
	f.connect(t, alice, "")
	key := f.v.tokensKey(f.app.ID, alice)
	if n, err := replica.Client().Exists(context.Background(), key).Result(); err != nil || n != 1 {
		t.Fatalf("the replica lacks the new connection's tokens when the callback returns (%v)", err)
	}

	before, err := replica.Client().HGet(context.Background(), key, "data").Result()
	if err != nil {
		t.Fatal(err)
	}
	tick := triggerRetries(f.v)
	t.Cleanup(func() { _ = f.v.Close() })
	replica.Stop()
	defer replica.Cont()
	// The provider rotated the refresh token; no replica confirms the write, so the vault holds
	// the new pair (the caller gets its access token) and keeps writing it until one does.
	if _, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: f.app.ID, Owner: alice, ForceRefresh: true}); err != nil {
		t.Fatalf("a refresh with the replica stalled: %v", err)
	}
	if len(f.v.unwritten.all()) != 1 {
		t.Errorf("the vault holds %d token sets for Redis, want the refreshed one: its write must not count as stored", len(f.v.unwritten.all()))
	}
	if _, err := s.Create(context.Background(), "durable:plain", []byte("v"), 0); err != nil {
		t.Errorf("a write other than a token waited with durability=tokens: %v", err)
	}
	replica.Cont()
	rc := replica.Client()
	err = redistest.Eventually(20*time.Second, func() error {
		select {
		case tick <- struct{}{}:
		default:
		}
		now, err := rc.HGet(context.Background(), key, "data").Result()
		if err != nil || now == before {
			return fmt.Errorf("the replica still has the replaced refresh token (%v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
