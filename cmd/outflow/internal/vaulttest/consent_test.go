//go:build fosite

package vaulttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/outflowhq/outflow/cmd/outflow/internal/fositepeer"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestFullConsent(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		c := e.connect(alice, "")
		if c.Status != oauth.StatusActive || !c.HasRefreshToken || c.Subject != fositepeer.DefaultSubject {
			t.Errorf("connection %+v: want active, with a refresh token and the id_token's subject", c)
		}
		if left := c.ExpiresAt.Sub(epoch); c.ExpirySource != oauth.ExpiryProvider || left < 59*time.Minute || left > time.Hour {
			t.Errorf("expiry %v (%s), want the provider's expires_in", c.ExpiresAt, c.ExpirySource)
		}
		tok, got := e.fetch(e.v, oauth.FetchRequest{Owner: alice, Scopes: []string{"contacts.read"}, WithRefreshToken: true})
		if got.ID != c.ID || !e.active(tok.AccessToken) || !e.active(tok.RefreshToken) {
			t.Error("the stored tokens are not the provider's live ones")
		}
		if st := e.p.Stats(); st.AuthorizationCodeGrants != 1 {
			t.Errorf("code grants %d", st.AuthorizationCodeGrants)
		}
	})
}

func TestDeniedConsent(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		e.p.DecisionFor(func(*http.Request) string { return fositepeer.DecisionDeny })
		q := e.consent(e.v, oauth.ConnectRequest{Owner: alice, RedirectURL: ""})
		res, err := e.v.HandleCallback(context.Background(), appID, q, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != oauth.OutcomeDenied || res.ErrorCode != "access_denied" || res.ConnectionID != "" {
			t.Errorf("result %+v", res)
		}
		if list, _ := e.v.List(context.Background(), alice, ""); len(list) != 0 {
			t.Errorf("a denied consent stored %d connections", len(list))
		}
	})
}

func TestReplayedForgedAndExpiredState(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		ctx := context.Background()
		stateErr := func(err error) string {
			var se *oauth.StateError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a StateError", err)
			}
			return se.Reason
		}
		q := e.consent(e.v, oauth.ConnectRequest{Owner: alice})
		if _, err := e.v.HandleCallback(ctx, appID, q, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.v.HandleCallback(ctx, appID, q, ""); stateErr(err) != oauth.StateUnknown {
			t.Errorf("replay: %v", err)
		}

		forged := e.consent(e.v, oauth.ConnectRequest{Owner: alice})
		forged.Set("state", "NOTASTATEWEISSUEDXXXXXXXXXX")
		if _, err := e.v.HandleCallback(ctx, appID, forged, ""); stateErr(err) != oauth.StateUnknown {
			t.Errorf("forged: %v", err)
		}

		// Expired by the clock: the consent took longer than the state's 10 minutes. It ends as
		// an error outcome, the state used up and the code never redeemed.
		slow := e.consent(e.v, oauth.ConnectRequest{Owner: alice})
		e.clock.Advance(11 * time.Minute)
		if res, err := e.v.HandleCallback(ctx, appID, slow, ""); err != nil || res.Outcome != oauth.OutcomeError || res.ErrorCode != oauth.ErrorExpiredState {
			t.Errorf("expired: %+v %v", res, err)
		}
		if _, err := e.v.HandleCallback(ctx, appID, slow, ""); stateErr(err) != oauth.StateUnknown {
			t.Errorf("expired state used again: %v", err)
		}
		// Expired in Redis: the key is gone.
		gone := e.consent(e.v, oauth.ConnectRequest{Owner: alice})
		h := sha256.Sum256([]byte(gone.Get("state")))
		if _, err := s.TakeOnce(ctx, s.Keys().OAuthState(hex.EncodeToString(h[:]))); err != nil {
			t.Fatalf("the state is not where it should be: %v", err)
		}
		if _, err := e.v.HandleCallback(ctx, appID, gone, ""); stateErr(err) != oauth.StateUnknown {
			t.Errorf("removed state: %v", err)
		}
		if st := e.p.Stats(); st.AuthorizationCodeGrants != 1 {
			t.Errorf("%d codes redeemed; only the first, valid callback may redeem one", st.AuthorizationCodeGrants)
		}
		if list, _ := e.v.List(ctx, alice, ""); len(list) != 1 {
			t.Errorf("%d connections, want the first consent's only", len(list))
		}
	})
}

func TestFailedCodeExchange(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		q := e.consent(e.v, oauth.ConnectRequest{Owner: alice})
		q.Set("code", q.Get("code")+"tampered")
		res, err := e.v.HandleCallback(context.Background(), appID, q, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != oauth.OutcomeError || res.ErrorCode != "exchange_failed" {
			t.Errorf("result %+v", res)
		}
		if list, _ := e.v.List(context.Background(), alice, ""); len(list) != 0 || e.p.Stats().AuthorizationCodeGrants != 0 {
			t.Error("a failed exchange stored a connection")
		}
	})
}
