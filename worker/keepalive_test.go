package worker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

// Connections due in the same minute are refreshed once each by three workers, never two at a
// time, before a fetch would have had to; the next refresh is scheduled from the new expiry.
func TestThreeWorkersRefreshEachDueConnectionOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		f := setup(t, st)
		ctx := context.Background()
		f.oauthApp(t, "crm")
		const n = 150
		var ids []string
		for i := range n {
			// Expiring within margin (5m) + lead (1m): due now, yet valid for a fetch for a while.
			c, err := f.vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: fmt.Sprint("u", i)},
				AccessToken: "at", RefreshToken: fmt.Sprint("rt", i), ExpiresAt: time.Now().Add(6*time.Minute - time.Duration(i)*time.Second/4)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		ws := []*worker.Worker{}
		for range 3 {
			ws = append(ws, f.worker(t, worker.Config{Vault: f.vault}))
		}
		if added, err := ws[0].Seed(ctx); err != nil || added != n {
			t.Fatalf("seeded %d connections (%v), want %d", added, err, n)
		}
		stop := run(t, ws...)
		eventually(t, 30*time.Second, "every connection refreshed", func() bool { return f.refreshes.Load() >= n })
		time.Sleep(300 * time.Millisecond)
		stop()
		f.mu.Lock()
		defer f.mu.Unlock()
		for i := range n {
			if c := f.perToken[fmt.Sprint("rt", i)]; c != 1 {
				t.Errorf("connection %d refreshed %d times, want once", i, c)
			}
		}
		if f.overlap.Load() {
			t.Error("one connection was refreshed twice at the same time")
		}
		for _, id := range ids[:3] {
			due, ok, err := st.Schedule("refresh").Due(ctx, id)
			if err != nil || !ok || due.Before(time.Now().Add(50*time.Minute)) {
				t.Errorf("connection %s next due %s (%v, %v): want about an hour from now less the margins", id, due, ok, err)
			}
		}
	})
}

// An app with refresh.background false, and a connection nobody fetched for its idle time, are
// left to their fetches.
func TestKeepAliveLeavesOptedOutAndIdleConnections(t *testing.T) {
	t.Parallel()
	f := setup(t, storetest.New(t))
	ctx := context.Background()
	f.oauthApp(t, "crm")
	f.oauthApp(t, "quiet")
	if _, err := f.apps.Update(ctx, "quiet", apps.AppPatch{Refresh: &apps.RefreshPolicyPatch{Background: ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.Update(ctx, "crm", apps.AppPatch{Refresh: &apps.RefreshPolicyPatch{IdleDays: ptr(1)}}); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(2 * time.Minute)
	if _, err := f.vault.Import(ctx, oauth.ImportRequest{AppID: "quiet", Owner: outbound.Owner{UserID: "ada"}, AccessToken: "a", RefreshToken: "rt-quiet", ExpiresAt: soon}); err != nil {
		t.Fatal(err)
	}
	idle, err := f.vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: "bob"}, AccessToken: "a", RefreshToken: "rt-idle", ExpiresAt: soon})
	if err != nil {
		t.Fatal(err)
	}
	// Bob connected two days ago and never fetched since.
	w := f.worker(t, worker.Config{Vault: f.vault, Clock: shifted(48 * time.Hour)})
	if n, err := w.Seed(ctx); err != nil || n != 1 {
		t.Fatalf("seeded %d (%v): want only the connection of the app that keeps them alive", n, err)
	}
	stop := run(t, w)
	eventually(t, 10*time.Second, "the idle connection leaves the schedule", func() bool {
		_, ok, _ := f.st.Schedule("refresh").Due(ctx, idle.ID)
		return !ok
	})
	stop()
	if n := f.refreshes.Load(); n != 0 {
		t.Errorf("%d refreshes, want none", n)
	}
}

// A worker told to stop while it starts (a server stopped at once) stops without an error.
func TestWorkerStoppedWhileStartingReturnsNil(t *testing.T) {
	t.Parallel()
	f := setup(t, storetest.New(t))
	w := f.worker(t, worker.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Run(ctx); err != nil {
		t.Fatalf("Run with its context already ended: %v; want nil", err)
	}
}
