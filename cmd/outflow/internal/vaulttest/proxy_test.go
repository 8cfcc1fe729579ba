//go:build fosite

package vaulttest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// withAPI gives the app the fosite peer's API as its base and returns a proxy on vault v.
func (e *env) withAPI(v *oauth.Vault) *proxy.Proxy {
	e.t.Helper()
	bases := []string{e.p.APIBaseURL()}
	if _, err := e.apps.Update(context.Background(), appID, appsPatch(bases)); err != nil {
		e.t.Fatal(err)
	}
	p, err := proxy.New(proxy.Options{Apps: e.apps, Vault: v})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// contacts lists alice's contacts through p, returning the status and how many came.
func contacts(t *testing.T, p *proxy.Proxy, url string) (int, int) {
	t.Helper()
	resp, err := p.Client(proxy.Target{AppID: appID, UserID: alice.UserID}).Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0, 0
	}
	defer resp.Body.Close()
	var body struct {
		Contacts []json.RawMessage `json:"contacts"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, len(body.Contacts)
}

// Fifty requests across four instances find alice's token due for refresh: the fosite peer
// sees one refresh, and its API answers every request with the refreshed token.
func TestProxyBurstAgainstTheSandboxRefreshesOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		e.connect(alice, "")
		var proxies []*proxy.Proxy
		for _, v := range []*oauth.Vault{e.v, e.otherProcess(), e.otherProcess(), e.otherProcess()} {
			proxies = append(proxies, e.withAPI(v))
		}
		e.clock.Advance(57 * time.Minute)
		var wg sync.WaitGroup
		for i := range 50 {
			p := proxies[i%len(proxies)]
			wg.Go(func() {
				if status, n := contacts(t, p, e.p.ContactsURL()); status != http.StatusOK || n != 3 {
					t.Errorf("a proxied request: %d with %d contacts", status, n)
				}
			})
		}
		wg.Wait()
		if st := e.p.Stats(); st.RefreshGrants != 1 || st.RefreshFailures != 0 {
			t.Errorf("the provider saw %d refreshes (%d refused) for 50 requests in 4 instances; want 1", st.RefreshGrants, st.RefreshFailures)
		}
	})
}

// The fosite peer's API refuses a token the vault still thinks valid: the proxy refreshes it at the
// fosite peer once and the request goes through with the new token.
func TestProxyRefreshesAfterTheSandboxRefusesTheToken(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.connect(alice, "")
	tok, _ := e.fetch(e.v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
	// The same grant, imported again (later, so it is the one chosen) with an access token the
	// peer never issued.
	e.clock.Advance(time.Minute)
	if _, err := e.v.Import(context.Background(), oauth.ImportRequest{AppID: appID, Owner: alice,
		AccessToken: "stale-access-token", RefreshToken: tok.RefreshToken, ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p := e.withAPI(e.v)
	if status, n := contacts(t, p, e.p.ContactsURL()); status != http.StatusOK || n != 3 {
		t.Fatalf("after the fosite peer refused the token: %d with %d contacts", status, n)
	}
	if st := e.p.Stats(); st.RefreshGrants != 1 {
		t.Errorf("%d refreshes at the provider; want 1", st.RefreshGrants)
	}
	_, err := p.Client(proxy.Target{AppID: appID, UserID: alice.UserID}).Get(e.p.TokenURL())
	if !errors.Is(err, proxy.ErrHostNotAllowed) {
		t.Errorf("a request to the provider's token endpoint, outside the API base: %v; want ErrHostNotAllowed", err)
	}
}

func appsPatch(bases []string) apps.AppPatch { return apps.AppPatch{APIBaseURLs: &bases} }
