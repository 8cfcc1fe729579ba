//go:build fosite

package vaulttest

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestRefreshWithRotation(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		e.connect(alice, "")
		before, _ := e.fetch(e.v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		e.clock.Advance(56 * time.Minute) // 4 minutes left: inside the 5-minute margin
		after, c := e.fetch(e.v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		if st := e.p.Stats(); st.RefreshGrants != 1 || st.RefreshFailures != 0 {
			t.Fatalf("provider stats %+v, want one successful refresh", st)
		}
		if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken {
			t.Fatal("the refresh did not store the new token pair")
		}
		if !e.active(after.AccessToken) || !e.active(after.RefreshToken) || e.active(before.RefreshToken) {
			t.Error("want the new pair live and the rotated refresh token dead")
		}
		if !c.LastRefreshAt.Equal(e.clock.Now()) || c.LastRefreshError != "" {
			t.Errorf("health %+v", c)
		}
		// The next fetches use the stored pair: no second refresh.
		for range 3 {
			if tok, _ := e.fetch(e.v, oauth.FetchRequest{Owner: alice}); tok.AccessToken != after.AccessToken {
				t.Fatal("a fresh token was not served as stored")
			}
		}
		if n := e.p.Stats().RefreshGrants; n != 1 {
			t.Errorf("%d refreshes", n)
		}
	})
}

// Four processes (vaults with their own Redis clients), 100 concurrent fetches of a token in its
// refresh margin: the provider must see exactly one refresh. fosite revokes the whole grant when
// a refresh token is used twice, so any double refresh would also leave callers with dead tokens.
func TestConcurrentFetchesAcrossProcessesRefreshOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		e.connect(alice, "")
		vaults := []*oauth.Vault{e.v, e.otherProcess(), e.otherProcess(), e.otherProcess()}
		for _, v := range vaults {
			e.fetch(v, oauth.FetchRequest{Owner: alice}) // each process has read the app and the grant
		}
		e.clock.Advance(57 * time.Minute)
		const n = 100
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			tokens = map[string]int{}
			errs   []error
			start  = make(chan struct{})
		)
		for i := range n {
			v := vaults[i%len(vaults)]
			wg.Go(func() {
				<-start
				tok, _, err := v.Fetch(context.Background(), oauth.FetchRequest{AppID: appID, Owner: alice})
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
			t.Fatalf("%d of %d fetches failed; first: %v", len(errs), n, errs[0])
		}
		st := e.p.Stats()
		if st.RefreshGrants != 1 || st.RefreshFailures != 0 {
			t.Fatalf("the provider saw %d refreshes and %d refused ones for %d concurrent fetches in 4 processes; want exactly 1 and 0",
				st.RefreshGrants, st.RefreshFailures, n)
		}
		for tok, count := range tokens {
			if !e.active(tok) {
				t.Errorf("%d callers got a token the provider says is not active", count)
			}
		}
		if len(tokens) != 1 {
			t.Errorf("%d distinct tokens handed out, want 1", len(tokens))
		}
	})
}

func TestProviderDownBacksOffAndServesTheValidToken(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		ctx := context.Background()
		e.connect(alice, "")
		valid, _ := e.fetch(e.v, oauth.FetchRequest{Owner: alice})
		e.p.SetDown(true)
		e.clock.Advance(57 * time.Minute)
		tok, c := e.fetch(e.v, oauth.FetchRequest{Owner: alice})
		if tok.AccessToken != valid.AccessToken || !e.active(tok.AccessToken) {
			t.Fatal("the still-valid token was not served while the provider is down")
		}
		if c.LastRefreshError == "" || !c.NextRefreshAt.After(e.clock.Now()) || c.Status != oauth.StatusActive {
			t.Errorf("health while down: %+v", c)
		}
		down := e.p.Stats().Unavailable
		if down != 1 {
			t.Errorf("%d requests hit the provider while down, want 1", down)
		}
		for range 5 {
			e.fetch(e.v, oauth.FetchRequest{Owner: alice})
		}
		if e.p.Stats().Unavailable != down {
			t.Error("the provider was called again before nextRefreshAt")
		}
		// Past expiry with the provider still down: a retryable error, never the expired token.
		e.clock.Set(c.ExpiresAt.Add(time.Minute))
		if _, _, err := e.v.Fetch(ctx, oauth.FetchRequest{AppID: appID, Owner: alice}); !errors.Is(err, oauth.ErrRefreshFailed) {
			t.Fatalf("expired token, provider down: %v", err)
		}
		// The provider recovers.
		e.p.SetDown(false)
		list, _ := e.v.List(ctx, alice, "")
		e.clock.Set(list[0].NextRefreshAt.Add(time.Second))
		tok, c = e.fetch(e.v, oauth.FetchRequest{Owner: alice})
		if tok.AccessToken == valid.AccessToken || !e.active(tok.AccessToken) || c.LastRefreshError != "" {
			t.Errorf("after recovery: %+v", c)
		}
	})
}

func TestRevokedGrantNeedsReauthAndFailsFast(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		ctx := context.Background()
		c := e.connect(alice, "")
		tok, _ := e.fetch(e.v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		// The user revokes the app at the provider.
		status := e.revoke(tok.RefreshToken)
		if status != 200 || e.active(tok.RefreshToken) {
			t.Fatalf("revocation at the provider: %d", status)
		}
		e.clock.Advance(58 * time.Minute)
		_, _, err := e.v.Fetch(ctx, oauth.FetchRequest{AppID: appID, Owner: alice})
		var ra *oauth.ReauthRequiredError
		if !errors.As(err, &ra) || ra.ConnectionID != c.ID || ra.Connect.AppID != appID {
			t.Fatalf("err = %v, want ReauthRequiredError with a reconnect hint", err)
		}
		calls := e.p.Stats()
		for range 5 {
			if _, _, err := e.v.Fetch(ctx, oauth.FetchRequest{AppID: appID, Owner: alice}); !errors.Is(err, oauth.ErrReauthRequired) {
				t.Fatalf("later fetch: %v", err)
			}
		}
		if e.p.Stats() != calls {
			t.Error("the provider was called again for a connection that needs re-authentication")
		}
		list, _ := e.v.List(ctx, alice, "")
		if list[0].Status != oauth.StatusNeedsReauth || list[0].LastRefreshError == "" {
			t.Errorf("health %+v", list[0])
		}
		// Reconnecting heals the same connection.
		again := e.connect(alice, "")
		if again.ID != c.ID || again.Status != oauth.StatusActive {
			t.Errorf("reconnect: %+v", again)
		}
	})
}

func TestMissingExpiresInUsesTheFallback(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		e.p.OmitExpiresIn(true)
		c := e.connect(alice, "")
		if c.ExpirySource != oauth.ExpiryFallback || !c.ExpiresAt.Equal(epoch.Add(30*time.Minute)) {
			t.Fatalf("expiry %v (%s): want the app's fallback lifetime, never unknown", c.ExpiresAt, c.ExpirySource)
		}
		e.clock.Advance(26 * time.Minute)
		_, after := e.fetch(e.v, oauth.FetchRequest{Owner: alice})
		if e.p.Stats().RefreshGrants != 1 || !after.ExpiresAt.Equal(e.clock.Now().Add(30*time.Minute)) {
			t.Errorf("a token of unknown lifetime was not refreshed on the fallback schedule: %+v", after)
		}
	})
}

func TestDisconnectRevokesAtTheProvider(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		c := e.connect(alice, "")
		tok, _ := e.fetch(e.v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		rep, err := e.v.Disconnect(context.Background(), oauth.DisconnectRequest{ConnectionID: c.ID})
		if err != nil || len(rep.Connections) != 1 || len(rep.Connections[0].Revoked) != 2 || rep.Connections[0].RevokeError != "" {
			t.Fatalf("report %+v, %v", rep, err)
		}
		if e.active(tok.AccessToken) || e.active(tok.RefreshToken) {
			t.Error("the provider still accepts the tokens of a disconnected connection")
		}
		if _, _, err := e.v.Fetch(context.Background(), oauth.FetchRequest{AppID: appID, Owner: alice}); !errors.Is(err, oauth.ErrNotConnected) {
			t.Errorf("fetch after disconnect: %v", err)
		}
	})
}

func TestImportAndVerify(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		ctx := context.Background()
		// A grant obtained elsewhere: take one from a consent and forget it locally.
		c := e.connect(alice, "")
		old, _ := e.fetch(e.v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		if _, err := e.v.Disconnect(ctx, oauth.DisconnectRequest{ConnectionID: c.ID, SkipRevoke: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.Import(ctx, oauth.ImportRequest{AppID: appID, Owner: acme, RefreshToken: "not-a-token", Verify: true}); !errors.Is(err, oauth.ErrVerifyFailed) {
			t.Fatalf("verify of a bogus token: %v", err)
		}
		imp, err := e.v.Import(ctx, oauth.ImportRequest{
			AppID: appID, Owner: acme, AccessToken: old.AccessToken, RefreshToken: old.RefreshToken,
			Scopes: old.Scopes, Verify: true, GrantedBy: "migration",
		})
		if err != nil {
			t.Fatal(err)
		}
		tok, got := e.fetch(e.v, oauth.FetchRequest{Owner: acme, WithRefreshToken: true})
		if got.ID != imp.ID || got.GrantedBy != "migration" || !e.active(tok.AccessToken) || !e.active(tok.RefreshToken) {
			t.Fatalf("imported connection %+v", got)
		}
		if e.active(old.RefreshToken) {
			t.Error("verification refreshed the grant, so the imported refresh token must now be used up")
		}
	})
}

// revoke revokes a token at the provider as the client would, and returns the HTTP status.
func (e *env) revoke(token string) int {
	e.t.Helper()
	resp, err := e.http.PostForm(e.p.RevocationURL(), url.Values{
		"token": {token}, "client_id": {clientID}, "client_secret": {clientSecret},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
