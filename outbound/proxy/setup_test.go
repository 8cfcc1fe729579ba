package proxy

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

var (
	alice   = outbound.Owner{UserID: "alice"}
	epoch   = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	secret  = "client-secret-value-1234"
	aliceAt = Target{AppID: "crm", UserID: "alice"}
)

// tokenServer is an OAuth provider's token endpoint that refreshes (rotating the refresh token)
// and counts the refreshes.
type tokenServer struct {
	srv      *httptest.Server
	calls    atomic.Int64
	mu       sync.Mutex
	issued   []string
	extra    map[string]any
	lastSeen string
}

func newTokenServer(t testing.TB) *tokenServer {
	p := &tokenServer{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "refresh_token" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		p.calls.Add(1)
		time.Sleep(20 * time.Millisecond) // a provider takes a moment: concurrent callers overlap
		body := map[string]any{"access_token": p.mint("at"), "refresh_token": p.mint("rt"), "token_type": "Bearer", "expires_in": 3600}
		p.mu.Lock()
		for k, v := range p.extra {
			body[k] = v
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *tokenServer) mint(kind string) string {
	tok := kind + "-" + rand.Text()
	p.mu.Lock()
	p.issued = append(p.issued, tok)
	p.mu.Unlock()
	return tok
}

func (p *tokenServer) tokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.issued...)
}

// fixture is one Redis with an OAuth app "crm" and an API-key app "keys" whose API is api, and
// the first instance (registry, vault, key store, proxy) on it.
type fixture struct {
	s        *store.Store
	keyring  *store.Keyring
	provider *tokenServer
	api      *httptest.Server
	clock    *clock.Fake
	logs     *syncBuffer
	*instance
}

// instance is one process: its own registry, vault, key store and proxy on the shared Redis.
type instance struct {
	apps  *apps.Apps
	vault *oauth.Vault
	keys  *apikeys.APIKeys
	proxy *Proxy
	clock *clock.Fake
}

func setup(t testing.TB, api http.Handler, mods ...func(*apps.AppPatch)) *fixture {
	t.Helper()
	return setupOn(t, storetest.New(t), api, mods...)
}

func setupOn(t testing.TB, s *store.Store, api http.Handler, mods ...func(*apps.AppPatch)) *fixture {
	t.Helper()
	entry, err := store.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := store.ParseKeyring(entry)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: s, keyring: kr, provider: newTokenServer(t), clock: clock.NewFake(epoch), logs: &syncBuffer{}}
	f.api = httptest.NewServer(api)
	t.Cleanup(f.api.Close)
	f.instance = f.newInstance(t, f.clock)
	ctx := context.Background()
	p := apps.AppPatch{
		ID: ptr("crm"), Kind: ptr(apps.KindOAuth2), Name: ptr("Acme CRM"),
		ClientID: ptr("client-1"), ClientSecret: ptr(outbound.NewSecret(secret)),
		AuthorizationURL: ptr("https://crm.example.com/authorize"), TokenURL: ptr(f.provider.srv.URL + "/token"),
		DefaultRedirectURL: ptr("https://app.example.com/connected"),
		APIBaseURLs:        &[]string{f.api.URL + "/v1"},
		APIHeaders:         map[string]*string{"Crm-Version": ptr("2026-01")},
	}
	for _, m := range mods {
		m(&p)
	}
	if _, err := f.apps.Create(ctx, p); err != nil {
		t.Fatalf("create app: %v", err)
	}
	t.Cleanup(func() { f.assertNoPlaintext(t) })
	return f
}

func (f *fixture) newInstance(t testing.TB, c *clock.Fake) *instance {
	t.Helper()
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg, err := apps.NewApps(apps.Options{Store: f.s, Keyring: f.keyring, Clock: c, PublicURL: "https://auth.example.com", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	v, err := oauth.NewVault(reg, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	in := &instance{apps: reg, vault: v, keys: apikeys.NewAPIKeys(reg), clock: c}
	in.proxy, err = New(Options{Apps: reg, Vault: v, APIKeys: in.keys, Clock: c, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// connect imports a grant for alice: access token at (valid for ttl) and a refresh token.
func (f *fixture) connect(t testing.TB, at string, ttl time.Duration) *oauth.Connection {
	t.Helper()
	c, err := f.vault.Import(context.Background(), oauth.ImportRequest{
		AppID: "crm", Owner: alice, AccessToken: at, RefreshToken: f.provider.mint("rt"),
		ExpiresAt: f.clock.Now().Add(ttl),
	})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return c
}

// get sends a GET through in's client for alice and returns the status and body.
func get(t testing.TB, in *instance, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := in.proxy.Client(aliceAt).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the body of %s: %v", url, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// assertNoPlaintext checks that no token the provider issued, nor the client secret, appears in
// Redis or the logs.
func (f *fixture) assertNoPlaintext(t testing.TB) {
	t.Helper()
	logs := f.logs.String()
	for _, tok := range append(f.provider.tokens(), secret) {
		if hits := storetest.Find(t, f.s, tok); len(hits) > 0 || strings.Contains(logs, tok) {
			t.Errorf("a credential appears in plain text in Redis (%v) or the logs", hits)
			return
		}
	}
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

func httptestServer(t testing.TB, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func clockAt(t time.Time) *clock.Fake { return clock.NewFake(t) }
