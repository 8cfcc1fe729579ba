package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
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
			st := store.NewFromClient(redis.NewClient(opts), store.Options{})
			t.Cleanup(func() { st.Close() })
			ts := httptest.NewServer(server.New(server.Options{Store: st, Logger: slog.New(slog.DiscardHandler)}))
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
