//go:build fosite

package vaulttest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

// A thousand connections due in the same minute, three instances each running a worker on its
// own Redis client: the sandbox provider sees exactly one refresh per connection and refuses
// none (it rotates refresh tokens, so a second or concurrent refresh of one connection would be
// refused), every connection stays active, and no token reaches Redis or the logs in clear.
func TestThreeInstancesRefreshAThousandDueConnectionsOnceEach(t *testing.T) {
	s := storetest.Real(t)
	e := setup(t, s)
	e.logsOnly = true
	n := thousand
	began := time.Now()
	var conns []*oauth.Connection
	for i := range n {
		conns = append(conns, e.connect(outbound.Owner{UserID: fmt.Sprint("user-", i)}, ""))
	}
	// Every token expires at the same instant of the fake clock: move it into the minute
	// before the refresh margin (5m) and the worker's lead (1m).
	e.clock.Set(conns[0].ExpiresAt.Add(-6*time.Minute + 30*time.Second))
	var ws []*worker.Worker
	for i := range 3 {
		st := s
		if i > 0 {
			st = e.otherStore()
		}
		registry, v := e.instance(st)
		w, err := worker.New(worker.Config{Store: st, Apps: registry, Vault: v, Clock: e.clock, Poll: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Name: fmt.Sprint("instance-", i)})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	t.Logf("%d consents took %s", n, time.Since(began))
	began = time.Now()
	if added, err := ws[0].Seed(context.Background()); err != nil || added != n {
		t.Fatalf("scheduled %d connections (%v), want %d", added, err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() { _ = w.Run(ctx) })
	}
	deadline := time.Now().Add(90 * time.Second)
	for e.p.Stats().RefreshGrants < uint64(n) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d refreshes took %s", e.p.Stats().RefreshGrants, time.Since(began))
	time.Sleep(500 * time.Millisecond) // a duplicate would show up now
	cancel()
	wg.Wait()
	st := e.p.Stats()
	if st.RefreshGrants != uint64(n) || st.RefreshFailures != 0 {
		t.Fatalf("the provider saw %d refreshes and refused %d; want %d and none", st.RefreshGrants, st.RefreshFailures, n)
	}
	for _, c := range conns[:min(50, n)] {
		got, err := e.v.Connection(context.Background(), c.ID)
		if err != nil || got.Status != oauth.StatusActive || !got.ExpiresAt.After(c.ExpiresAt) {
			t.Fatalf("connection %s after the keep-alive: %+v, %v", c.ID, got, err)
		}
	}
}

// thousand is how many connections the keep-alive test makes.
var thousand = 1000
