//go:build fosite

package vaulttest

import (
	"context"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// fosite rotates refresh tokens and, when a refresh token is used twice, revokes the whole
// grant. Redis refuses to store the pair a refresh got: the vault holds it, serves the next
// fetches from it (no second refresh, which would show fosite the replaced refresh token and
// lose the grant), and stores it once Redis takes writes again.
func TestRefreshedTokensSurviveARefusedWrite(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		ctx := context.Background()
		v, err := oauth.NewVault(e.apps, oauth.VaultOptions{WriteRetryInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = v.Close() })
		e.connect(alice, "")
		before, _ := e.fetch(v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		e.clock.Advance(56 * time.Minute) // 4 minutes left: inside the 5-minute margin
		refreshedAt := e.clock.Now()
		refusal := storetest.RefuseWrites(s, s.Keys().Tokens("user", alice.UserID, appID))

		after, c := e.fetch(v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken || c.Status != oauth.StatusActive {
			t.Fatalf("the fetch whose refreshed pair Redis refused: %+v; want the new pair", c)
		}
		if refusal.Refused() == 0 {
			t.Fatal("Redis was never asked to store the refreshed pair")
		}
		// Redis still refuses, and the token it holds expires: the held pair is served.
		e.clock.Advance(10 * time.Minute)
		for range 3 {
			tok, c := e.fetch(v, oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
			if tok.AccessToken != after.AccessToken || tok.RefreshToken != after.RefreshToken || c.Status != oauth.StatusActive {
				t.Fatalf("a fetch while the pair is held: %+v", c)
			}
		}
		if st := e.p.Stats(); st.RefreshGrants != 1 || st.RefreshFailures != 0 {
			t.Fatalf("provider stats %+v; want one refresh and no refused one", st)
		}
		if !e.active(after.AccessToken) || !e.active(after.RefreshToken) {
			t.Fatal("the provider no longer accepts the held pair: the grant was lost")
		}

		// Redis recovers: the background retry stores the held pair.
		refusal.Set(false)
		deadline := time.Now().Add(5 * time.Second)
		for {
			list, err := e.v.List(ctx, alice, appID)
			if err == nil && len(list) == 1 && list[0].LastRefreshAt.Equal(refreshedAt) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the held pair was not stored after Redis recovered: %+v, %v", list, err)
			}
			time.Sleep(time.Millisecond)
		}
		tok, c := e.fetch(e.otherProcess(), oauth.FetchRequest{Owner: alice, WithRefreshToken: true})
		if tok.AccessToken != after.AccessToken || tok.RefreshToken != after.RefreshToken || c.Status != oauth.StatusActive {
			t.Fatalf("another process reads %+v; want the held pair", c)
		}
		if st := e.p.Stats(); st.RefreshGrants != 1 || st.RefreshFailures != 0 {
			t.Errorf("provider stats %+v after recovery; want one refresh", st)
		}
	})
}
