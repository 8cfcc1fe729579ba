package oauth

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestListShowsHealthWithoutTokens(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	a := f.connect(t, alice, "a")
	f.clock.Advance(time.Minute)
	b := f.connect(t, alice, "b", "contacts.read")
	list, err := f.v.List(ctx, alice, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != b.ConnectionID || list[1].ID != a.ConnectionID {
		t.Fatalf("list %v: want the two connections, latest first", list)
	}
	c := list[1]
	if c.Status != StatusActive || !c.HasRefreshToken || c.ExpiresAt.IsZero() || c.ExternalID != "a" || c.Owner != alice || c.AppID != "crm" {
		t.Errorf("health %+v", c)
	}
	if list, _ := f.v.List(ctx, alice, "other"); len(list) != 0 {
		t.Errorf("another app's list: %v", list)
	}
	if _, err := f.v.List(ctx, outbound.Owner{}, ""); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("list without owner: %v", err)
	}
	if _, err := f.v.Connection(ctx, "cn_nope"); !errors.Is(err, ErrConnectionNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestResealMovesTokensToTheNewKey(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	f.connect(t, alice, "")
	f.connect(t, acme, "")
	before, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	// A consent in progress: its state holds the PKCE verifier, sealed.
	pending, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: outbound.Owner{UserID: "carol"}})
	if err != nil {
		t.Fatal(err)
	}

	k2, err := store.GenerateKey("k2")
	if err != nil {
		t.Fatal(err)
	}
	open := func(spec string) (*apps.Apps, *Vault) {
		kr, err := store.ParseKeyring(spec)
		if err != nil {
			t.Fatal(err)
		}
		registry, err := apps.NewApps(apps.Options{Store: f.s, Keyring: kr, Clock: f.clock, PublicURL: "https://auth.example.com", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		v := mustVault(t, registry, VaultOptions{})
		registry.OnDelete(v.DeleteAppConnections)
		return registry, v
	}
	registry, v := open(k2 + "," + f.keyEntry)
	if _, err := registry.Reseal(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := v.Reseal(ctx)
	if err != nil || rep.Kind != ResealKindConnections || rep.Scanned != 3 || rep.Resealed != 3 || rep.Failed != 0 {
		t.Fatalf("reseal: %+v %v; want the two token records and the pending consent", rep, err)
	}
	if again, _ := v.Reseal(ctx); again.Resealed != 0 || again.Scanned != 3 {
		t.Errorf("second reseal %+v: want nothing left to do", again)
	}
	if hits := storetest.Find(t, f.s, "of1.k1."); len(hits) > 0 {
		t.Errorf("values are still sealed under the old key in %v", hits)
	}
	_, onlyNew := open(k2)
	tok, _, err := onlyNew.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice, WithRefreshToken: true})
	if err != nil || tok.AccessToken != before.AccessToken || tok.RefreshToken != before.RefreshToken {
		t.Fatalf("fetch with only the new key: %v %v", tok, err)
	}
	res, err := onlyNew.HandleCallback(ctx, "crm", f.p.issueCode(t, pending.URL), "")
	if err != nil || res.Outcome != OutcomeConnected {
		t.Errorf("the consent started before the rotation, completed with only the new key: %+v %v", res, err)
	}
}

func TestMatchConnection(t *testing.T) {
	t.Parallel()
	g := &grantRecord{Conns: []storedConn{
		{Connection: Connection{ID: "ext", ExternalID: "work", Scopes: []string{"a"}, Status: StatusActive}},
		{Connection: Connection{ID: "sub", Subject: "u1", Scopes: []string{"a", "b"}, Status: StatusActive}},
		{Connection: Connection{ID: "broken", Subject: "u2", Scopes: []string{"a", "b"}, Status: StatusNeedsReauth}},
		{Connection: Connection{ID: "anon", Scopes: []string{"x", "y"}, Status: StatusActive}},
	}}
	tests := []struct {
		name string
		in   grantInput
		want string
	}{
		{"same external id", grantInput{externalID: "work", scopes: []string{"z"}}, "ext"},
		{"new external id", grantInput{externalID: "home", subject: "u1", scopes: []string{"a", "b"}}, ""},
		{"same account, covering scopes", grantInput{subject: "u1", scopes: []string{"a", "b", "c"}}, "sub"},
		{"same account, fewer scopes", grantInput{subject: "u1", scopes: []string{"c"}}, ""},
		{"same account, broken connection", grantInput{subject: "u2", scopes: []string{"c"}}, "broken"},
		{"no account, same scopes", grantInput{scopes: []string{"y", "x"}}, "anon"},
		{"no account, other scopes", grantInput{scopes: []string{"x"}}, ""},
	}
	for _, tt := range tests {
		got := ""
		if i := matchConnection(g, tt.in); i >= 0 {
			got = g.Conns[i].ID
		}
		if got != tt.want {
			t.Errorf("%s: matched %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMissingAndUnionScopes(t *testing.T) {
	t.Parallel()
	if got := missingScopes([]string{"a", "b"}, []string{"b", "c", "c", "d"}); !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("missing = %v", got)
	}
	if got := unionScopes([]string{"a", "b"}, []string{"b", "c"}); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("union = %v", got)
	}
}
