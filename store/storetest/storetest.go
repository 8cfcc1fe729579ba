// Package storetest gives tests a store.Store: a fresh embedded one, the real Redis named by
// OUTFLOW_TEST_REDIS_URL, or both in turn, each under its own random key prefix so parallel tests
// never collide, and cleaned up when the test ends.
//
// Environment:
//
//	OUTFLOW_TEST_REDIS_URL   a Redis URL (redis://127.0.0.1:6379/0); unset skips the real-Redis runs
//	OUTFLOW_REQUIRE_REDIS=1  fail, rather than skip, when the URL is unset or Redis is unreachable
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/store"
)

// Environment variables read by this package.
const (
	EnvRedisURL     = "OUTFLOW_TEST_REDIS_URL"
	EnvRequireRedis = "OUTFLOW_REQUIRE_REDIS"
)

// New returns a fresh store on its own embedded in-memory Redis, closed when the test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{Prefix: randomPrefix(t), Logger: quiet()})
	if err != nil {
		t.Fatalf("storetest: open embedded store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Real returns a store on the real Redis named by OUTFLOW_TEST_REDIS_URL, under a random prefix
// whose keys are deleted when the test ends. It skips the test when the variable is unset, and
// fails it when OUTFLOW_REQUIRE_REDIS=1 and the variable is unset, or whenever the URL is set but
// Redis cannot be reached.
func Real(t testing.TB) *store.Store {
	t.Helper()
	url := os.Getenv(EnvRedisURL)
	if url == "" {
		if os.Getenv(EnvRequireRedis) == "1" {
			t.Fatalf("storetest: %s=1 but %s is not set; set it to a Redis you may write to, e.g. %s=redis://127.0.0.1:6379/0 (or unset %s to skip real-Redis tests)",
				EnvRequireRedis, EnvRedisURL, EnvRedisURL, EnvRequireRedis)
		}
		t.Skipf("storetest: %s not set; set it (e.g. redis://127.0.0.1:6379/0) to also run against a real Redis", EnvRedisURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := store.Open(ctx, store.Options{URL: url, Prefix: randomPrefix(t), Logger: quiet()})
	if err != nil {
		t.Fatalf("storetest: cannot use the real Redis from %s: %v; start Redis there (redis-server --port 6379 --save '' --appendonly no) or fix the URL", EnvRedisURL, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := DeleteAll(ctx, s); err != nil {
			t.Errorf("storetest: clean up prefix %q: %v", s.Keys().Prefix(), err)
		}
		_ = s.Close()
	})
	return s
}

// ForEachBackend runs fn as the subtest "embedded" on a fresh embedded store, and as the subtest
// "redis" on the real Redis under the rules of Real (skipped when OUTFLOW_TEST_REDIS_URL is unset,
// failed when OUTFLOW_REQUIRE_REDIS=1 and Redis is missing).
func ForEachBackend(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, New(t)) })
	t.Run("redis", func(t *testing.T) { fn(t, Real(t)) })
}

// Another returns a second store on its own connections to the Redis of s, under the same key
// prefix: what another process of the same deployment would have. s comes from New or Real, on
// any topology (a single node, a Cluster or a Sentinel group). The second store is closed when the
// test ends; the keys are left to s's clean-up.
func Another(t testing.TB, s *store.Store) *store.Store {
	t.Helper()
	opts := store.Options{Prefix: s.Keys().Prefix(), Logger: quiet()}
	var other *store.Store
	if s.Embedded() {
		c, ok := s.Client().(*redis.Client)
		if !ok {
			t.Fatalf("storetest: Another: an embedded store with a %T client", s.Client())
		}
		o := *c.Options()
		var err error
		if other, err = store.NewFromClient(redis.NewClient(&o), opts); err != nil {
			t.Fatalf("storetest: Another: %v", err)
		}
	} else {
		opts.URL = os.Getenv(EnvRedisURL)
		if opts.URL == "" {
			t.Fatalf("storetest: Another needs a store from New, or from Real with %s set", EnvRedisURL)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		if other, err = store.Open(ctx, opts); err != nil {
			t.Fatalf("storetest: Another: open a second store on %s: %v", EnvRedisURL, err)
		}
	}
	t.Cleanup(func() { _ = other.Close() })
	// The second store must see what the first writes: a store from elsewhere on another Redis
	// than OUTFLOW_TEST_REDIS_URL fails here rather than in the test.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	probe := s.Keys().Execution("storetest-another-" + randomPrefix(t))
	if err := s.SetValue(ctx, probe, []byte("seen"), time.Minute); err != nil {
		t.Fatalf("storetest: Another: write a probe with the first store: %v", err)
	}
	got, err := other.GetValue(ctx, probe)
	_ = s.Delete(ctx, probe)
	if err != nil || string(got) != "seen" {
		t.Fatalf("storetest: Another: the second store does not see what the first writes (%q, %v); "+
			"give it a store from New, or from Real", got, err)
	}
	return other
}

// DeleteAll deletes every key under the store's prefix. It is for cleaning up after tests; never
// point it at a store holding data you want.
func DeleteAll(ctx context.Context, s *store.Store) error {
	var keys []string
	if err := s.Scan(ctx, s.Keys().Pattern(), func(k string) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := s.Delete(ctx, keys[:n]...); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// randomPrefix is unique per test run: "t" plus 12 random hex digits.
func randomPrefix(t testing.TB) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("storetest: random prefix: %v", err)
	}
	return "t" + hex.EncodeToString(b[:])
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }
