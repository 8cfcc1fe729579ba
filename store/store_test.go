package store_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestOpenEmbeddedWarnsOnce(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	s, err := store.Open(context.Background(), store.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Embedded() {
		t.Error("Embedded() = false for an empty URL")
	}
	if got := s.Keys().Prefix(); got != "of" {
		t.Errorf("default prefix = %q, want of", got)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "LOST") {
		t.Errorf("want exactly one WARN that state is lost on exit, got:\n%s", out)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Ping after Close: err = %v, want ErrUnavailable", err)
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := store.Open(ctx, store.Options{Prefix: "bad{prefix}"}); err == nil {
		t.Error("Open accepted a prefix with braces")
	}
	_, err := store.Open(ctx, store.Options{URL: "redis://admin:hunter2hunter2@h:6379?nosuch=1"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open with a bad URL: err = %v; want an error without the password", err)
	}
	for _, c := range []struct {
		opts store.Options
		want string
	}{
		{store.Options{PingTimeout: -time.Second}, "store: Options.PingTimeout is -1s; use a positive duration, or 0 for the default (5s)"},
		{store.Options{CommandTimeout: -1}, "store: Options.CommandTimeout is -1ns; use a positive duration, or 0 for the default (3s)"},
	} {
		s, err := store.Open(ctx, c.opts)
		if err == nil {
			s.Close()
		}
		if err == nil || err.Error() != c.want {
			t.Errorf("Open(%+v): err = %v, want %q", c.opts, err, c.want)
		}
	}
}

func TestNewFromClient(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	s, err := store.NewFromClient(c, store.Options{Prefix: "host"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Embedded() || s.Client() != redis.UniversalClient(c) {
		t.Fatal("NewFromClient does not wrap the given client")
	}
	ctx := context.Background()
	if _, err := s.Create(ctx, s.Keys().Execution("e1"), []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	if !mr.Exists("host:{exec:e1}") {
		t.Fatalf("record not written under the host's prefix; keys: %v", mr.Keys())
	}
}

// Options NewFromClient cannot use are an error for the host to handle, not a panic.
func TestNewFromClientRefusesBadOptions(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	for _, c := range []struct {
		opts store.Options
		want string
	}{
		{store.Options{Prefix: "bad{prefix}"}, "store: key prefix"},
		{store.Options{Durability: "most"}, `store: unknown durability "most"`},
		{store.Options{ReplicaTimeout: -time.Second}, "store: negative replica timeout"},
		{store.Options{CommandTimeout: -time.Second}, "store: Options.CommandTimeout is -1s"},
	} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("NewFromClient(%+v) panicked: %v", c.opts, p)
				}
			}()
			client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			defer client.Close()
			s, err := store.NewFromClient(client, c.opts)
			if s != nil || err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("NewFromClient(%+v) = %v, %v; want an error starting %q", c.opts, s, err, c.want)
			}
		}()
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestUnavailableWhenNothingListens(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := closedPort(t)
	_, err := store.Open(ctx, store.Options{URL: "redis://" + addr + "/0?max_retries=-1"})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open on a closed port: err = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "ping") || !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not say what failed and where", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("the network error is not in the chain: %v", err)
	}
}

func TestUnavailableWhenRedisGoesAway(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mr := miniredis.RunT(t)
	// Fewer retries than the defaults (which ride out a failover) keep the test fast.
	c := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialerRetries: 1})
	s, err := store.NewFromClient(c, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k := s.Keys()
	if _, err := s.Create(ctx, k.Execution("e1"), []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	mr.Close()

	checks := map[string]func() error{
		"Get": func() error { _, err := s.Get(ctx, k.Execution("e1")); return err },
		"Put": func() error { _, err := s.Put(ctx, k.Execution("e1"), 1, []byte("y"), 0); return err },
		"PutAndAppend": func() error {
			_, err := s.PutAndAppend(ctx, store.LoggedPut{Key: k.Execution("e1"), ExpectRev: 1, LogKey: k.ExecutionEvents("e1")})
			return err
		},
		"TakeOnce": func() error { _, err := s.TakeOnce(ctx, k.OAuthState("s")); return err },
		"Lock":     func() error { _, err := s.Lock(ctx, k.RefreshLock("u", "1", "g", "c"), time.Second); return err },
		"Publish":  func() error { _, err := s.Publish(ctx, k.EventStream(0), 0, map[string]string{"a": "b"}); return err },
		"Scan":     func() error { return s.Scan(ctx, k.Pattern(), func(string) error { return nil }) },
		"Ping":     func() error { return s.Ping(ctx) },
	}
	for name, call := range checks {
		err := call()
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with Redis gone: err = %v, want ErrUnavailable", name, err)
		} else if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("%s: error %q does not say what was being done", name, err)
		}
	}
}

func TestUnavailableWhenLoading(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	s, err := store.Open(context.Background(), store.Options{URL: "redis://" + mr.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mr.SetError("LOADING Redis is loading the dataset in memory")
	_, err = s.Get(context.Background(), s.Keys().Execution("e1"))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Get while LOADING: err = %v, want ErrUnavailable", err)
	}
}

func TestPutAndAppendIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		counter := storetest.CountRoundTrips(s)
		rev, err := s.PutAndAppend(ctx, store.LoggedPut{Key: k.Execution("e1"), Data: []byte("a"), TTL: time.Minute, LogKey: k.ExecutionEvents("e1"), Entries: [][]byte{[]byte("x"), []byte("y")}, MaxEntries: 10})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Count(); n != 1 {
			t.Fatalf("first PutAndAppend took %d round trips, want 1", n)
		}
		counter.Reset()
		if _, err := s.PutAndAppend(ctx, store.LoggedPut{Key: k.Execution("e1"), ExpectRev: rev, Data: []byte("b"), TTL: time.Minute, LogKey: k.ExecutionEvents("e1"), Entries: [][]byte{[]byte("z")}, MaxEntries: 10}); err != nil {
			t.Fatal(err)
		}
		if n := counter.Count(); n != 1 {
			t.Fatalf("PutAndAppend took %d round trips, want 1", n)
		}
	})
}
