package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/store"
)

// The embedded Redis listens on loopback, where any process of the machine can connect: it
// requires a password of its own, random per process, which the store's client uses and the log
// never shows.
func TestEmbeddedRedisRequiresAPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var logs bytes.Buffer
	s, err := store.Open(ctx, store.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("the store's own client: %v", err)
	}
	opts := s.Client().(*redis.Client).Options()
	stranger := redis.NewClient(&redis.Options{Addr: opts.Addr, MaxRetries: -1})
	defer stranger.Close()
	if err := stranger.Set(ctx, "of:stranger", "x", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("a client without the password on %s: %v, want NOAUTH", opts.Addr, err)
	}
	guess := redis.NewClient(&redis.Options{Addr: opts.Addr, Password: "demo", MaxRetries: -1})
	defer guess.Close()
	if err := guess.Ping(ctx).Err(); err == nil {
		t.Error("a client with a guessed password was let in")
	}
	if len(opts.Password) < 26 || strings.Contains(logs.String(), opts.Password) {
		t.Errorf("password of %d characters; logs:\n%s", len(opts.Password), logs.String())
	}
	other, err := store.Open(ctx, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.Client().(*redis.Client).Options().Password == opts.Password {
		t.Error("two embedded Redis servers share a password")
	}
}
