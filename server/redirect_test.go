package server_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestRedirectPolicy(t *testing.T) {
	t.Parallel()
	allowed := server.RedirectPolicy("https://auth.example.com/", []string{"https://app.example.com", "https://docs.example.com/guides", "https://github.com/myorg/", "not a url"})
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://auth.example.com/anything?x=1", true},
		{"https://AUTH.example.com/", true},
		{"https://app.example.com/settings", true},
		{"https://docs.example.com/guides/", true},
		{"https://docs.example.com/guides", true},
		{"https://docs.example.com/guides/oauth?step=2", true},
		{"https://docs.example.com/guidesevil", false},
		{"https://docs.example.com/other", false},
		{"http://app.example.com/", false},
		{"https://app.example.com.evil.net/", false},
		{"https://user:pw@app.example.com/", false},
		{"https://app.example.com/#frag", false},
		{"javascript:alert(1)", false},
		{"/relative", false},
		{"", false},
		// Paths a browser or the site resolves out of an allowed prefix.
		{"https://github.com/myorg/repo", true},
		{"https://github.com/myorg/repo?tab=readme", true},
		{"https://github.com/myorg/../attacker/phish", false},
		{"https://github.com/myorg/./../attacker", false},
		{"https://github.com/myorg/%2e%2e/evil", false},
		{"https://github.com/myorg/%2E%2E/evil", false},
		{"https://github.com/myorg/.%2e/evil", false},
		{"https://github.com/myorg/..%2fevil", false},
		{"https://github.com/myorg/..%2Fevil", false},
		{"https://github.com/myorg/x%2f..%2f..%2fevil", false},
		{"https://github.com/myorg/..\\evil", false},
		{"https://github.com/myorg/..%5cevil", false},
		{"https://github.com/myorg/%zz", false},
		{"https://github.com/myorg/..", false},
		{"https://github.com/myorg/...", true},
		{"https://github.com/myorg/a..b", true},
		// On an allowed origin too: the path is refused, whatever the entry.
		{"https://app.example.com/a/../b", false},
	} {
		if got := allowed(tc.url); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.url, got, tc.want)
		}
	}
	if server.RedirectPolicy("", nil)("https://auth.example.com/") {
		t.Error("an empty policy allows a URL")
	}
}

// POST /v1/connect vets its redirectUrl with the same policy: a path that climbs out of an
// allowed prefix is refused as a field error, before any link is made.
func TestConnectRefusesARedirectThatClimbsOutOfAnAllowedPrefix(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	registry, err := apps.NewApps(apps.Options{Store: s, Keyring: ring, PublicURL: "https://auth.example.com", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	kind := apps.KindOAuth2
	str := func(s string) *string { return &s }
	if _, err := registry.Create(context.Background(), apps.AppPatch{
		ID: str("crm"), Kind: &kind, Name: str("Acme CRM"), ClientID: str("cid"), ClientSecret: &[]outbound.Secret{outbound.NewSecret("cs")}[0],
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str("https://crm.example.com/token"),
	}); err != nil {
		t.Fatal(err)
	}
	vault, err := oauth.NewVault(registry, oauth.VaultOptions{RedirectAllowed: server.RedirectPolicy("https://auth.example.com", []string{"https://github.com/myorg/"})})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(newServer(t, server.Options{Store: s, Apps: registry, Vault: vault, ManagementKeys: []string{connMgmtKey}, Logger: log}))
	t.Cleanup(ts.Close)
	a := &connAPI{client: client{t: t, url: ts.URL, key: connMgmtKey, http: noRedirects}}
	if r := a.call("POST", "/v1/connect", `{"appId":"crm","userId":"u","redirectUrl":"https://github.com/myorg/repo"}`); r.status != 200 {
		t.Errorf("an allowed redirect: %d %s", r.status, r.body)
	}
	for _, u := range []string{"https://github.com/myorg/../attacker/phish", "https://github.com/myorg/%2e%2e/evil", "https://github.com/myorg/..%2fevil"} {
		r := a.call("POST", "/v1/connect", `{"appId":"crm","userId":"u","redirectUrl":"`+u+`"}`)
		if r.status != 400 || !strings.Contains(r.body, `"redirectUrl"`) {
			t.Errorf("%s: %d %s", u, r.status, r.body)
		}
	}
}
