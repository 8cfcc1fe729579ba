package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// A server given an engine and a vault but no Store serves neither the routes that keep a
// one-time link in Redis (start, connect, consent links) nor a Redis check at /readyz: each of
// them answers as an unknown route, never a 500, and the server is ready.
func TestAServerWithoutAStoreServesNoRouteThatNeedsOne(t *testing.T) {
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
	eng := setupHosted(t, nil).eng
	vault, err := oauth.NewVault(registry, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, server.Options{Engine: eng, Apps: registry, Vault: vault, ManagementKeys: []string{connMgmtKey}, Logger: log})
	for _, p := range []string{"POST /v1/flows/{flowId}/start", "POST /v1/connect", "GET /v1/oauth/start/{token}", "POST /v1/oauth/start/{token}", "GET /flows/link/{token}"} {
		if slices.Contains(srv.Patterns(), p) {
			t.Errorf("%s is served without a Store", p)
		}
	}
	if !slices.Contains(srv.Patterns(), "POST /v1/tokens/fetch") || !slices.Contains(srv.Patterns(), "GET /v1/flows") {
		t.Errorf("routes that need no Store are not served: %v", srv.Patterns())
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	a := &connAPI{client: client{t: t, url: ts.URL, key: connMgmtKey, http: noRedirects}}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/connect", `{"appId":"crm","userId":"u"}`},
		{"GET", "/v1/oauth/start/ABCDEFGHIJKLMNOPQRSTUVWXYZ", ""},
		{"POST", "/v1/oauth/start/ABCDEFGHIJKLMNOPQRSTUVWXYZ", ""},
		{"POST", "/v1/flows/signup/start", `{"userId":"u"}`},
	} {
		if r := a.call(c.method, c.path, c.body); r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d %s, want no route", c.method, c.path, r.status, r.body)
		}
	}
	if r := a.call("GET", "/readyz", ""); r.status != http.StatusOK || !strings.Contains(r.body, "ready") {
		t.Errorf("readyz: %d %s", r.status, r.body)
	}
}
