package tenanttest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// Two tenants with their own clients: each tenant's owners consent, refresh and revoke as the
// tenant's client; an owner outside any tenant uses the app's.
func TestEachTenantConsentsRefreshesAndRevokesThroughItsOwnClient(t *testing.T) {
	e := setup(t)
	e.putClient(t, "acme", "acme-client")
	e.putClient(t, "globex", "globex-client")
	for _, tc := range []struct {
		name   string
		owner  outbound.Owner
		client string
		rev    int64
	}{
		{"acme itself", acmeTenant, "acme-client", 1},
		{"a user of acme", ann, "acme-client", 1},
		{"a user of globex", bob, "globex-client", 1},
		{"a user of no tenant", carl, "outflow-app", 0},
	} {
		c := e.consent(t, tc.owner)
		want := apps.ClientApp
		if tc.rev > 0 {
			want = apps.ClientTenant
		}
		if c.Client != want || c.SettingsRevision != tc.rev || c.SettingsTenantID != tc.owner.TenantID && tc.rev > 0 {
			t.Errorf("%s: the connection records client %q, tenant %q, revision %d", tc.name, c.Client, c.SettingsTenantID, c.SettingsRevision)
		}
		if got := e.clientOf(t, tc.owner, false); got != tc.client {
			t.Errorf("%s: the sandbox issued the token to %q, want %q", tc.name, got, tc.client)
		}
		// The sandbox refuses a refresh token presented by another client than its own.
		if got := e.clientOf(t, tc.owner, true); got != tc.client {
			t.Errorf("%s: after a refresh the token belongs to %q, want %q", tc.name, got, tc.client)
		}
	}
	if got := e.p.Stats().RefreshGrants; got != 4 {
		t.Errorf("the sandbox granted %d refreshes, want 4", got)
	}
	// Revocation authenticates as the client that minted the connection: the sandbox refuses any other.
	tok, conn, err := e.v.Fetch(e.ctx(), oauth.FetchRequest{AppID: appID, Owner: bob})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.v.Disconnect(e.ctx(), oauth.DisconnectRequest{AppID: appID, Owner: bob, ConnectionID: conn.ID})
	if err != nil || len(rep.Connections) != 1 || rep.Connections[0].RevokeError != "" || len(rep.Connections[0].Revoked) == 0 {
		t.Fatalf("disconnect: %+v, %v", rep, err)
	}
	out := rep.Connections
	if who := e.whoIssued(t, tok.AccessToken); who != "" {
		t.Errorf("the revoked access token still works at the sandbox (client %q)", who)
	}
	e.assertNoSecret(t, fmt.Sprint(out))
}

// A change of a tenant's client does not break the connections the old client minted: they
// refresh with it until they connect again, while new consents use the new client.
func TestChangingATenantsClientKeepsExistingConnections(t *testing.T) {
	e := setup(t)
	e.putClient(t, "acme", "acme-client")
	old := e.consent(t, ann)
	if s := e.putClient(t, "acme", "acme-client-two"); s.Revision != 2 {
		t.Fatalf("the change made revision %d", s.Revision)
	}
	if got := e.clientOf(t, ann, true); got != "acme-client" {
		t.Errorf("the existing connection refreshed as %q, want acme-client", got)
	}
	fresh := e.consent(t, dora)
	if fresh.SettingsRevision != 2 || fresh.Client != apps.ClientTenant {
		t.Errorf("the new consent records revision %d, client %q", fresh.SettingsRevision, fresh.Client)
	}
	if got := e.clientOf(t, dora, true); got != "acme-client-two" {
		t.Errorf("the new connection refreshed as %q, want acme-client-two", got)
	}
	// A reconnect moves the connection to the tenant's current client, keeping its id.
	again := e.consent(t, ann)
	if again.ID != old.ID || again.SettingsRevision != 2 {
		t.Errorf("reconnect: id %s (was %s), revision %d", again.ID, old.ID, again.SettingsRevision)
	}
	if got := e.clientOf(t, ann, true); got != "acme-client-two" {
		t.Errorf("after reconnecting the connection refreshed as %q, want acme-client-two", got)
	}
	e.assertNoSecret(t)
}

// Removing a tenant's client, or all its settings, makes the connections they minted
// needs_reauth with a reason and an event; they are never refreshed with another client.
func TestRemovingATenantsClientNeedsReauth(t *testing.T) {
	e := setup(t)
	e.putClient(t, "acme", "acme-client")
	e.putClient(t, "globex", "globex-client")
	acmeConn := e.consent(t, ann)
	acmeOwn := e.consent(t, acmeTenant)
	globexConn := e.consent(t, bob)
	carlConn := e.consent(t, carl)
	refreshes := e.p.Stats().RefreshGrants

	// A put without clientId drops acme's client (and its secret).
	if _, err := e.apps.PutTenantSettings(e.ctx(), appID, "acme", apps.TenantSettingsInput{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*oauth.Connection{acmeConn, acmeOwn} {
		_, _, err := e.v.Fetch(e.ctx(), oauth.FetchRequest{AppID: appID, Owner: c.Owner, ForceRefresh: true})
		if reason, ok := reauthReason(err); !ok || !strings.Contains(reason, "client was removed") {
			t.Errorf("fetch of %s after its client was removed: %v", c.ID, err)
		}
		got, err := e.v.Connection(e.ctx(), c.ID)
		if err != nil || got.Status != oauth.StatusNeedsReauth || !strings.Contains(got.StatusReason, "tenant's OAuth client was removed") {
			t.Errorf("connection %s: %+v, %v", c.ID, got, err)
		}
		if ev, ok := e.events.find(oauth.EventConnectionNeedsReauth, c.ID); !ok || ev.Reason == "" {
			t.Errorf("no connection.needs_reauth event with a reason for %s", c.ID)
		}
	}
	if got := e.p.Stats().RefreshGrants; got != refreshes {
		t.Errorf("the sandbox saw %d refreshes after the client was removed", got-refreshes)
	}
	// Other tenants and the app's own client are untouched.
	if got := e.clientOf(t, bob, true); got != "globex-client" {
		t.Errorf("globex refreshed as %q", got)
	}
	if got := e.clientOf(t, carl, true); got != "outflow-app" {
		t.Errorf("carl refreshed as %q", got)
	}
	// A new consent of acme now uses the app's client.
	if c := e.consent(t, dora); c.Client != apps.ClientApp || e.clientOf(t, dora, false) != "outflow-app" {
		t.Errorf("a consent after the removal: client %q", c.Client)
	}

	// Deleting globex's settings: its connection goes needs_reauth too.
	if err := e.apps.DeleteTenantSettings(e.ctx(), appID, "globex"); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.v.Fetch(e.ctx(), oauth.FetchRequest{AppID: appID, Owner: bob, ForceRefresh: true})
	if reason, ok := reauthReason(err); !ok || !strings.Contains(reason, "settings were removed") {
		t.Errorf("fetch after the tenant's settings were deleted: %v", err)
	}
	if _, ok := e.events.find(oauth.EventConnectionNeedsReauth, globexConn.ID); !ok {
		t.Error("no connection.needs_reauth event for globex's connection")
	}
	if got, _ := e.v.Connection(e.ctx(), carlConn.ID); got.Status != oauth.StatusActive {
		t.Errorf("carl's connection became %s", got.Status)
	}
	e.assertNoSecret(t, fmt.Sprint(err))
}
