package oauth

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Four processes are asked to force a refresh of a connection they all read at the same
// generation: one refresh serves them all, as each later one sees that the token generation it
// read has been refreshed already.
func TestForcedRefreshesFromOneReadRefreshOnce(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	f.connect(t, alice, "")
	app, err := f.v.oauthApp(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.v.load(ctx, "crm", alice)
	if err != nil {
		t.Fatal(err)
	}
	seen := g.Conns[0] // the read every caller made
	vaults := []*Vault{f.v, mustVault(t, f.apps, VaultOptions{}), mustVault(t, f.apps, VaultOptions{}), mustVault(t, f.apps, VaultOptions{})}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens = map[string]int{}
		errs   []error
		start  = make(chan struct{})
	)
	for _, v := range vaults {
		wg.Go(func() {
			<-start
			c, err := v.refresh(ctx, &app, alice, seen, true)
			var tok *Token
			if err == nil {
				tok, err = v.token(&c, false)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			tokens[tok.AccessToken]++
		})
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d forced refreshes failed; first: %v", len(errs), errs[0])
	}
	if n := f.p.refreshCalls.Load(); n != 1 || len(tokens) != 1 {
		t.Errorf("%d refreshes and %d distinct tokens for 4 forced refreshes of one read; want 1 and 1", n, len(tokens))
	}
}

// A reconnect that lands while a refresh of the same connection is at the provider wins: the
// refresh's older grant must not overwrite it.
func TestReconnectDuringARefreshWins(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	f.connect(t, alice, "work")
	f.clock.Advance(58 * time.Minute)
	release := make(chan struct{})
	f.p.setRespond(func(form url.Values) (int, any) {
		if form.Get("grant_type") == "refresh_token" {
			<-release
		}
		return f.p.standard(form)
	})
	done := make(chan error, 1)
	go func() {
		_, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice})
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for f.p.refreshCalls.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no refresh reached the provider within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	again := f.connect(t, alice, "work") // the user reconnects meanwhile
	reconnected, _ := f.fetch(t, FetchRequest{Owner: alice})
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the fetch that refreshed: %v", err)
	}
	tok, c := f.fetch(t, FetchRequest{Owner: alice})
	if tok.AccessToken != reconnected.AccessToken || c.ID != again.ConnectionID || !c.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("after the refresh finished, the stored token is not the reconnect's: %+v", c)
	}
}

// When the grant was refused but a reconnect or an import has landed meanwhile, the connection
// is healthy: it is returned as is, not marked for re-authentication.
func TestMarkNeedsReauthKeepsAConnectionRenewedMeanwhile(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	f.connect(t, alice, "work")
	app, _ := f.v.oauthApp(ctx, "crm")
	g, err := f.v.load(ctx, "crm", alice)
	if err != nil {
		t.Fatal(err)
	}
	stale := g.Conns[0] // what the refusing refresh had read
	f.connect(t, alice, "work")
	c, err := f.v.markNeedsReauth(ctx, nil, refreshAsk{app: &app, owner: alice, connID: stale.ID}, &stale, "invalid_grant")
	if err != nil || c.Status != StatusActive || c.Gen <= stale.Gen {
		t.Fatalf("markNeedsReauth of a renewed connection: %+v, %v; want the renewed connection and no error", c.Connection, err)
	}
	if list, _ := f.v.List(ctx, alice, ""); len(list) != 1 || list[0].Status != StatusActive {
		t.Errorf("health after a refusal of the old grant: %+v", list)
	}
}
