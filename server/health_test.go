package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// /readyz answers 503 whenever Redis cannot answer: refused, or hanging past the check's
// deadline (which must not pass for the caller's own cancellation and become a 500).
func TestReadyzAnswers503WhenRedisDoesNotAnswer(t *testing.T) {
	t.Parallel()
	hanging, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hanging.Close() })
	go func() { // accept, read, never answer
		for {
			c, err := hanging.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = c.Read(make([]byte, 4096)); <-t.Context().Done(); c.Close() }()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	for name, addr := range map[string]string{"a Redis that hangs": hanging.Addr().String(), "a Redis that is down": closedAddr} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts, err := redis.ParseURL("redis://" + addr) // the options a Redis URL gives the store
			if err != nil {
				t.Fatal(err)
			}
			st, err := store.NewFromClient(redis.NewClient(opts), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			ts := httptest.NewServer(newServer(t, server.Options{Store: st, Logger: slog.New(slog.DiscardHandler)}))
			t.Cleanup(ts.Close)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/readyz", nil)
			r := do(t, http.DefaultClient, req)
			if r.status != http.StatusServiceUnavailable || r.errorBody(t)["code"] != "unavailable" {
				t.Errorf("readyz: %d %s, want 503 unavailable", r.status, r.body)
			}
		})
	}
}

// hangingRedis returns a server on a store whose Redis answered when the store opened and then
// stopped answering, as a Redis stopped with SIGSTOP does.
func hangingRedis(t *testing.T) *httptest.Server {
	t.Helper()
	proxy, pause := storetest.Pausable(t, miniredis.RunT(t).Addr())
	st, err := store.Open(t.Context(), store.Options{URL: "redis://" + proxy + "/0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.New(engine.Options{Store: st, Registry: actions.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newServer(t, server.Options{Store: st, Engine: eng, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(ts.Close)
	pause()
	return ts
}

// With Redis hanging, /readyz answers 503 within its documented 2 seconds, and a request that
// needs Redis answers 503 once the store's 3-second bound on a call has passed, not after
// go-redis's own timeouts and retries. (The bounds checked leave room for a loaded machine.)
func TestBudgetsHoldWhenRedisHangs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, path string
		within       time.Duration
	}{
		{"GET", "/readyz", 4 * time.Second},
		{"POST", "/v1/executions/x1/next", 6 * time.Second},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			ts := hangingRedis(t)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, tc.method, ts.URL+tc.path, strings.NewReader(`{"nonce":"n","interaction":"continue","input":{}}`))
			start := time.Now()
			r := do(t, http.DefaultClient, req)
			if took := time.Since(start); took > tc.within {
				t.Errorf("%s %s answered after %s, want within %s", tc.method, tc.path, took.Round(time.Millisecond), tc.within)
			}
			if r.status != http.StatusServiceUnavailable || r.errorBody(t)["code"] != "unavailable" {
				t.Errorf("%s %s: %d %s, want 503 unavailable", tc.method, tc.path, r.status, r.body)
			}
		})
	}
}

// Once the server drains, /readyz answers 503 even though Redis answers, so load balancers take
// the instance out of rotation; every other route goes on serving.
func TestReadyzAnswers503OnceTheServerDrains(t *testing.T) {
	t.Parallel()
	srv := newServer(t, server.Options{Store: storetest.New(t), Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	get := func(path string) response {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", ts.URL+path, nil)
		return do(t, http.DefaultClient, req)
	}
	if r := get("/readyz"); r.status != http.StatusOK {
		t.Fatalf("readyz before Drain: %d %s", r.status, r.body)
	}
	srv.Drain()
	srv.Drain() // again: no change
	if r := get("/readyz"); r.status != http.StatusServiceUnavailable || r.errorBody(t)["code"] != "unavailable" ||
		!strings.Contains(string(r.body), "shutting down") {
		t.Errorf("readyz while draining: %d %s, want 503 unavailable saying the instance is shutting down", r.status, r.body)
	}
	if r := get("/healthz"); r.status != http.StatusOK {
		t.Errorf("healthz while draining: %d %s, want 200", r.status, r.body)
	}
}
