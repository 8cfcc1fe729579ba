// Package tenanttest runs tenants' own OAuth clients against the demo's sandbox authorization
// server: each tenant's consents, refreshes and revocations must reach the sandbox as the
// tenant's client, and keep doing so after the tenant's settings change.
package tenanttest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

const (
	appID     = "sandbox-crm"
	publicURL = "https://auth.example.com"
)

// The clients registered at the sandbox, with secrets long and odd enough for a scan to find.
var clients = map[string]string{
	"outflow-app":     "app-secret-2b7f1c9e0d",
	"acme-client":     "acme-secret-8d1e4f0a6c",
	"acme-client-two": "acme-secret-two-5a9c3b7e1f",
	"globex-client":   "globex-secret-3c6a9d2b8e",
}

var (
	acmeTenant = outbound.Owner{TenantID: "acme"}
	ann        = outbound.Owner{UserID: "ann", TenantID: "acme"}
	dora       = outbound.Owner{UserID: "dora", TenantID: "acme"}
	bob        = outbound.Owner{UserID: "bob", TenantID: "globex"}
	carl       = outbound.Owner{UserID: "carl"}
)

type env struct {
	p      *sandbox.Provider
	s      *store.Store
	apps   *apps.Apps
	v      *oauth.Vault
	logs   *syncBuffer
	events *eventLog
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{logs: &syncBuffer{}, events: &eventLog{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hs := httptest.NewUnstartedServer(nil)
	issuer := "http://" + hs.Listener.Addr().String() + "/sandbox"
	var sc []sandbox.Client
	for id, secret := range clients {
		sc = append(sc, sandbox.Client{ID: id, Secret: secret, RedirectURIs: []string{publicURL + apps.CallbackPath + appID},
			Scopes: []string{"openid", "offline", "contacts"}})
	}
	p, err := sandbox.New(sandbox.Config{Issuer: issuer, Decision: sandbox.DecisionApprove, Logger: log}, sc...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", p.Handler()))
	hs.Config.Handler = mux
	hs.Start()
	t.Cleanup(hs.Close)
	e.p, e.s = p, storetest.New(t)
	kr, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	if e.apps, err = apps.NewApps(apps.Options{Store: e.s, Keyring: kr, PublicURL: publicURL, Logger: log}); err != nil {
		t.Fatal(err)
	}
	if e.v, err = oauth.NewVault(e.apps, oauth.VaultOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.v.Close() })
	e.apps.OnDelete(e.v.DeleteAppConnections)
	e.apps.OnTenantRemoval(e.v.TenantRemoved)
	e.apps.TenantRevisionsInUse(e.v.TenantRevisionsInUse)
	_, err = e.apps.Create(context.Background(), apps.AppPatch{
		ID: ptr(appID), Kind: ptr(apps.KindOAuth2), Name: ptr("Sandbox CRM"),
		ClientID: ptr("outflow-app"), ClientSecret: ptr(outbound.NewSecret(clients["outflow-app"])),
		AuthorizationURL: ptr(p.AuthURL()), TokenURL: ptr(p.TokenURL()), RevocationURL: ptr(p.RevocationURL()),
		DefaultScopes: ptr([]string{"offline", "contacts.read"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// ctx records the vault's connection events.
func (e *env) ctx() context.Context {
	return oauth.WithEventRecorder(context.Background(), e.events.add)
}

// putClient gives a tenant its own client at the sandbox.
func (e *env) putClient(t *testing.T, tenant, clientID string) apps.TenantSettings {
	t.Helper()
	s, err := e.apps.PutTenantSettings(e.ctx(), appID, tenant, apps.TenantSettingsInput{
		TenantOverrides: apps.TenantOverrides{ClientID: clientID},
		ClientSecret:    ptr(outbound.NewSecret(clients[clientID])),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// consent runs a whole consent for owner: connect, the sandbox's approval, the callback.
func (e *env) consent(t *testing.T, owner outbound.Owner) *oauth.Connection {
	t.Helper()
	res, err := e.v.Connect(e.ctx(), oauth.ConnectRequest{AppID: appID, Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirects.Get(res.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("the sandbox did not redirect back: %d", resp.StatusCode)
	}
	cb, err := e.v.HandleCallback(e.ctx(), appID, loc.Query(), "")
	if err != nil || cb.Outcome != oauth.OutcomeConnected {
		t.Fatalf("callback: %+v, %v", cb, err)
	}
	return cb.Connection
}

// clientOf asks the sandbox which client an owner's current access token was issued to.
func (e *env) clientOf(t *testing.T, owner outbound.Owner, force bool) string {
	t.Helper()
	tok, _, err := e.v.Fetch(e.ctx(), oauth.FetchRequest{AppID: appID, Owner: owner, ForceRefresh: force})
	if err != nil {
		t.Fatalf("fetch for %+v: %v", owner, err)
	}
	return e.whoIssued(t, tok.AccessToken)
}

// whoIssued returns the client an access token was issued to, or "" when the sandbox refuses it.
func (e *env) whoIssued(t *testing.T, accessToken string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.p.MeURL(), nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	var me struct {
		ClientID string `json:"clientId"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		t.Fatal(err)
	}
	return me.ClientID
}

// assertNoSecret checks that no client secret is in Redis or the logs in plain text.
func (e *env) assertNoSecret(t *testing.T, also ...string) {
	t.Helper()
	for id, secret := range clients {
		if hits := storetest.Find(t, e.s, secret); len(hits) > 0 {
			t.Errorf("the secret of %s is in plain text in Redis: %v", id, hits)
		}
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("the secret of %s is in the logs", id)
		}
		for _, s := range also {
			if strings.Contains(s, secret) {
				t.Errorf("the secret of %s is in %q", id, s)
			}
		}
	}
}

type eventLog struct {
	mu     sync.Mutex
	events []oauth.Event
}

func (l *eventLog) add(ev oauth.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

func (l *eventLog) find(typ, connID string) (oauth.Event, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range l.events {
		if ev.Type == typ && ev.ConnectionID == connID {
			return ev, true
		}
	}
	return oauth.Event{}, false
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func ptr[T any](v T) *T { return &v }

func secretOf(clientID string) outbound.Secret { return outbound.NewSecret(clients[clientID]) }

func reauthReason(err error) (string, bool) {
	var re *oauth.ReauthRequiredError
	if errors.As(err, &re) {
		return re.Reason, true
	}
	return "", false
}
