package oauth

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestDisconnectRevokesAtTheProviderFirst(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	res := f.connect(t, alice, "")
	tok, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	rep, err := f.v.Disconnect(context.Background(), DisconnectRequest{ConnectionID: res.ConnectionID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Connections) != 1 || !slices.Equal(rep.Connections[0].Revoked, []string{HintRefreshToken, HintAccessToken}) || rep.Connections[0].RevokeError != "" {
		t.Fatalf("report %+v", rep)
	}
	f.p.mu.Lock()
	revoked := f.p.revoked
	f.p.mu.Unlock()
	if len(revoked) != 2 || revoked[0].Get("token") != tok.RefreshToken || revoked[0].Get("token_type_hint") != "refresh_token" ||
		revoked[1].Get("token") != tok.AccessToken || revoked[0].Get("basic_client_id") != fakeClientID {
		t.Errorf("revocation requests %v: want the refresh token then the access token, with client authentication", len(revoked))
	}
	if _, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("fetch after disconnect: %v", err)
	}
	if _, err := f.v.Disconnect(context.Background(), DisconnectRequest{ConnectionID: res.ConnectionID}); !errors.Is(err, ErrConnectionNotFound) {
		t.Errorf("second disconnect: %v", err)
	}
}

func TestDisconnectDeletesEvenWhenRevocationFails(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.connect(t, alice, "")
	f.p.mu.Lock()
	f.p.revokeStatus = 503
	f.p.mu.Unlock()
	rep, err := f.v.Disconnect(context.Background(), DisconnectRequest{AppID: "crm", Owner: alice})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Connections) != 1 || len(rep.Connections[0].Revoked) != 0 || rep.Connections[0].RevokeError == "" {
		t.Errorf("report %+v: want the failure reported", rep)
	}
	if list, _ := f.v.List(context.Background(), alice, ""); len(list) != 0 {
		t.Errorf("%d connections left", len(list))
	}
}

func TestDisconnectWithoutRevocationEndpoint(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) { p.RevocationURL = ptr("") })
	f.connect(t, alice, "")
	rep, err := f.v.Disconnect(context.Background(), DisconnectRequest{Owner: alice})
	if err != nil || len(rep.Connections) != 1 || rep.Connections[0].RevokeError == "" {
		t.Fatalf("report %+v, %v: want a deletion that says it could not revoke", rep, err)
	}
}

func TestDisconnectByAppOwnerAndAppDeletion(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	bob := outbound.Owner{UserID: "bob"}
	f.connect(t, alice, "a")
	f.connect(t, alice, "b")
	f.connect(t, bob, "")
	f.connect(t, acme, "")
	if list, err := f.v.ListApp(ctx, "crm"); err != nil || len(list) != 4 {
		t.Fatalf("ListApp: %d %v", len(list), err)
	}
	rep, err := f.v.Disconnect(ctx, DisconnectRequest{Owner: alice})
	if err != nil || len(rep.Connections) != 2 {
		t.Fatalf("by owner: %+v %v", rep, err)
	}
	if list, _ := f.v.ListApp(ctx, "crm"); len(list) != 2 {
		t.Errorf("after removing alice's: %d left", len(list))
	}
	if err := f.apps.Delete(ctx, "crm"); err != nil {
		t.Fatal(err)
	}
	for _, o := range []outbound.Owner{bob, acme} {
		if list, _ := f.v.List(ctx, o, ""); len(list) != 0 {
			t.Errorf("%v still has connections after the app was deleted", o)
		}
	}
	f.p.mu.Lock()
	n := len(f.p.revoked)
	f.p.mu.Unlock()
	if n != 8 {
		t.Errorf("%d revocation requests for 4 connections, want 8", n)
	}
	if _, err := f.v.Disconnect(ctx, DisconnectRequest{}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty disconnect: %v", err)
	}
}

// The vault and the API-key store share the app's owner index; deleting an API-key app must
// leave it to the key store, whichever hook runs first.
func TestDeletingAnAPIKeyAppLeavesItsKeysToTheKeyStore(t *testing.T) {
	t.Parallel()
	f := setupVault(t) // the vault registers its delete hook first
	keys := apikeys.NewAPIKeys(f.apps)
	f.apps.OnDelete(keys.DeleteApp)
	ctx := context.Background()
	if _, err := f.apps.Create(ctx, apps.AppPatch{ID: ptr("openai"), Kind: ptr(apps.KindAPIKey), Name: ptr("OpenAI"),
		APIKey: &apps.APIKeyPatch{Label: ptr("API key")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: alice, APIKey: outbound.NewSecret("sk-test-0123456789")}); err != nil {
		t.Fatal(err)
	}
	if err := f.apps.Delete(ctx, "openai"); err != nil {
		t.Fatal(err)
	}
	if hits := storetest.Find(t, f.s, ":key:openai"); len(hits) > 0 {
		t.Errorf("the API key of a deleted app is left in Redis: %v", hits)
	}
	if n, err := f.s.Client().Exists(ctx, f.s.Keys().AppSubjects("openai")).Result(); err != nil || n != 0 {
		t.Errorf("the owner index of a deleted API-key app is left in Redis (%d, %v)", n, err)
	}
}

// A disconnect whose caller goes away (a cancelled DELETE) while the provider revokes still
// finishes: the connection is revoked and deleted, never left marked revoked.
func TestDisconnectFinishesWhenItsCallerGoesAway(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	res := f.connect(t, alice, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.p.mu.Lock()
	f.p.onRevoke = cancel // the request is cancelled as the provider starts revoking
	f.p.mu.Unlock()
	rep, err := f.v.Disconnect(ctx, DisconnectRequest{ConnectionID: res.ConnectionID})
	if err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if len(rep.Connections) != 1 || len(rep.Connections[0].Revoked) != 2 {
		t.Errorf("report %+v: want both tokens revoked", rep)
	}
	if list, _ := f.v.List(context.Background(), alice, ""); len(list) != 0 {
		t.Errorf("the connection is left behind: %+v", list)
	}
	if _, err := f.v.Connection(context.Background(), res.ConnectionID); !errors.Is(err, ErrConnectionNotFound) {
		t.Errorf("the connection's pointer is left behind: %v", err)
	}
}
