package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// A Redis that is up and cannot serve for now — out of memory, a replica during a failover, an
// aborted transaction, loading, ... — and a Redis that refuses connections are the same to a
// client: 503 unavailable with a Retry-After, never a 500.
func TestARedisThatCannotServeIs503WithRetryAfter(t *testing.T) {
	t.Parallel()
	for name, reply := range map[string]string{
		"out of memory":          "OOM command not allowed when used memory > 'maxmemory'.",
		"a read-only replica":    "READONLY You can't write against a read only replica.",
		"an aborted transaction": "EXECABORT Transaction discarded because of previous errors.",
		"loading":                "LOADING Redis is loading the dataset in memory",
		"master down":            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
		"cluster down":           "CLUSTERDOWN The cluster is down",
		"a slot moving":          "TRYAGAIN Multiple keys request during rehashing of slot",
		"a disk it cannot write": "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
		"refused connections":    "",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := refusingStore(t, reply)
			eng, err := engine.New(engine.Options{Store: st, Registry: actions.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(newServer(t, server.Options{Store: st, Engine: eng, Logger: slog.New(slog.DiscardHandler)}))
			t.Cleanup(ts.Close)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/executions/x1/next", strings.NewReader(`{"nonce":"n","interaction":"continue"}`))
			r := do(t, http.DefaultClient, req)
			secs, err := strconv.Atoi(r.header.Get("Retry-After"))
			if r.status != http.StatusServiceUnavailable || r.errorBody(t)["code"] != "unavailable" || err != nil || secs < 1 {
				t.Errorf("%d Retry-After %q %s, want 503 unavailable with a Retry-After in seconds", r.status, r.header.Get("Retry-After"), r.body)
			}
		})
	}
}

// refusingStore is a store on a Redis that refuses every command with reply, or with "" on a
// port where nothing listens.
func refusingStore(t *testing.T, reply string) *store.Store {
	t.Helper()
	if reply == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		st, err := store.NewFromClient(redis.NewClient(&redis.Options{Addr: l.Addr().String()}), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st, err := store.Open(t.Context(), store.Options{URL: "redis://" + storetest.Refusing(t, reply) + "/0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
