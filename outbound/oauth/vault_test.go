package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// fakeProvider is a small, scriptable OAuth 2.0 provider for the vault's unit tests: it issues
// codes bound to a PKCE challenge, rotates refresh tokens, and lets a test replace any answer of
// the token endpoint. (The vault is also tested against a real OAuth server, fosite, in the
// binary's module.)
type fakeProvider struct {
	srv *httptest.Server

	mu      sync.Mutex
	codes   map[string]fakeGrant
	refresh map[string]fakeGrant // live refresh tokens
	issued  []string             // every token handed out
	// respond, when set, answers token requests instead of the standard behaviour (which it
	// may call).
	respond func(form url.Values) (int, any)
	// revokeStatus is what the revocation endpoint answers (200 by default).
	revokeStatus int
	// onRevoke, when set, is called as each revocation request arrives.
	onRevoke func()
	// discoveryDelay is how long the discovery document takes to arrive.
	discoveryDelay time.Duration
	revoked        []url.Values
	tokenForms     []url.Values

	tokenCalls, refreshCalls atomic.Int64
	rotate                   bool
	omitExpiresIn            bool
	// splitRefresh makes the provider take refreshes only at POST /refresh, and codes only at
	// POST /token, as Figma does.
	splitRefresh bool
	// onlyJSON makes the provider refuse token requests whose body is not JSON.
	onlyJSON bool
	// tokenPaths are the path and query of every token request, in order.
	tokenPaths []string
}

type fakeGrant struct {
	challenge string
	scopes    string
	nonce     string
}

const (
	fakeClientID = "client-acme"
	fakeSecret   = "very-secret-client-value"
)

func newFakeProvider(t testing.TB) *fakeProvider {
	p := &fakeProvider{codes: map[string]fakeGrant{}, refresh: map[string]fakeGrant{}, rotate: true, revokeStatus: 200}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", p.serveToken)
	mux.HandleFunc("POST /refresh", p.serveToken)
	mux.HandleFunc("POST /revoke", p.serveRevoke)
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveDiscovery)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakeProvider) url(path string) string { return p.srv.URL + path }

// issueCode is what the provider does when the user approves the authorization request u.
func (p *fakeProvider) issueCode(t testing.TB, authURL string) url.Values {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	code := "code-" + rand.Text()
	p.mu.Lock()
	p.codes[code] = fakeGrant{challenge: q.Get("code_challenge"), scopes: q.Get("scope"), nonce: q.Get("nonce")}
	p.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}}
}

func (p *fakeProvider) serveToken(w http.ResponseWriter, r *http.Request) {
	p.tokenCalls.Add(1)
	if err := parseTokenBody(r); err != nil {
		writeTestJSON(w, 400, map[string]any{"error": "invalid_request"})
		return
	}
	p.mu.Lock()
	p.tokenPaths = append(p.tokenPaths, r.URL.RequestURI())
	split, onlyJSON := p.splitRefresh, p.onlyJSON
	p.mu.Unlock()
	isJSON := r.Header.Get("Content-Type") == "application/json"
	isRefresh := r.PostForm.Get("grant_type") == "refresh_token"
	if onlyJSON && !isJSON {
		writeTestJSON(w, 400, map[string]any{"error": "invalid_request", "error_description": "the body must be JSON"})
		return
	}
	if split && isRefresh != (r.URL.Path == "/refresh") {
		writeTestJSON(w, 400, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	if id != fakeClientID || secret != fakeSecret {
		writeTestJSON(w, 401, map[string]any{"error": "invalid_client"})
		return
	}
	if r.PostForm.Get("grant_type") == "refresh_token" {
		p.refreshCalls.Add(1)
	}
	p.mu.Lock()
	p.tokenForms = append(p.tokenForms, r.PostForm)
	respond := p.respond
	p.mu.Unlock()
	if respond == nil {
		respond = p.standard
	}
	status, body := respond(r.PostForm)
	writeTestJSON(w, status, body)
}

// parseTokenBody fills r.PostForm from a form body, or from a JSON object of strings (then
// marked json_body=true), as a provider that takes both would read them.
func parseTokenBody(r *http.Request) error {
	if r.Header.Get("Content-Type") != "application/json" {
		return r.ParseForm()
	}
	var obj map[string]string
	if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
		return err
	}
	r.PostForm = url.Values{"json_body": {"true"}}
	for k, v := range obj {
		r.PostForm.Set(k, v)
	}
	return nil
}

// standard answers a token request the way a well-behaved provider does.
func (p *fakeProvider) standard(form url.Values) (int, any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var g fakeGrant
	switch form.Get("grant_type") {
	case "authorization_code":
		var ok bool
		g, ok = p.codes[form.Get("code")]
		delete(p.codes, form.Get("code"))
		if !ok || oauth2.S256ChallengeFromVerifier(form.Get("code_verifier")) != g.challenge {
			return 400, map[string]any{"error": "invalid_grant", "error_description": "bad code or verifier"}
		}
	case "refresh_token":
		var ok bool
		g, ok = p.refresh[form.Get("refresh_token")]
		if !ok {
			return 400, map[string]any{"error": "invalid_grant", "error_description": "refresh token revoked"}
		}
		if p.rotate {
			delete(p.refresh, form.Get("refresh_token"))
		}
	default:
		return 400, map[string]any{"error": "unsupported_grant_type"}
	}
	at, rt := "AT-"+rand.Text(), "RT-"+rand.Text()
	body := map[string]any{"access_token": at, "token_type": "bearer", "scope": g.scopes}
	p.issued = append(p.issued, at)
	if p.rotate || form.Get("grant_type") == "authorization_code" {
		body["refresh_token"] = rt
		p.refresh[rt] = g
		p.issued = append(p.issued, rt)
	}
	if !p.omitExpiresIn {
		body["expires_in"] = 3600
	}
	if g.nonce != "" {
		body["id_token"] = testJWT(map[string]any{"sub": "acct-42", "aud": fakeClientID, "nonce": g.nonce, "iss": p.srv.URL})
	}
	return 200, body
}

func (p *fakeProvider) serveRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	form := url.Values{}
	for k, v := range r.PostForm {
		form[k] = v
	}
	if id, _, ok := r.BasicAuth(); ok {
		form.Set("basic_client_id", id)
	}
	p.mu.Lock()
	p.revoked = append(p.revoked, form)
	status, hook := p.revokeStatus, p.onRevoke
	delete(p.refresh, r.PostForm.Get("token"))
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
	w.WriteHeader(status)
}

// serveDiscovery serves the provider's metadata, after discoveryDelay (a slow provider).
func (p *fakeProvider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	delay := p.discoveryDelay
	p.mu.Unlock()
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	writeTestJSON(w, 200, map[string]any{
		"issuer": p.srv.URL, "authorization_endpoint": "https://crm.example.com/authorize",
		"token_endpoint": p.url("/token"), "revocation_endpoint": p.url("/revoke"),
	})
}

func (p *fakeProvider) setRespond(f func(form url.Values) (int, any)) {
	p.mu.Lock()
	p.respond = f
	p.mu.Unlock()
}

func (p *fakeProvider) issuedTokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.issued...)
}

func writeTestJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// testJWT builds an unsigned JWT with the given claims.
func testJWT(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(b) + ".sig"
}

// vaultFixture is a vault on a fresh store, with one oauth2 app ("crm") pointing at a fake
// provider, a fake clock and a log buffer.
type vaultFixture struct {
	s     *store.Store
	apps  *apps.Apps
	v     *Vault
	p     *fakeProvider
	clock *clock.Fake
	logs  *syncBuffer
	app   apps.App
	// keyEntry is the keyring's only key, "k1:BASE64".
	keyEntry string
}

var vaultEpoch = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

var (
	alice  = outbound.Owner{UserID: "alice"}
	acme   = outbound.Owner{TenantID: "acme"}
	allCRM = []string{"contacts.read", "contacts.write", "offline_access"}
)

// setupVault builds the fixture; mods adjust the app before it is created.
func setupVault(t testing.TB, mods ...func(*apps.AppPatch)) *vaultFixture {
	t.Helper()
	return setupVaultOn(t, storetest.New(t), mods...)
}

// setupVaultOn is setupVault on a given store.
func setupVaultOn(t testing.TB, s *store.Store, mods ...func(*apps.AppPatch)) *vaultFixture {
	t.Helper()
	f := &vaultFixture{s: s, p: newFakeProvider(t), clock: clock.NewFake(vaultEpoch), logs: &syncBuffer{}}
	entry, err := store.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	f.keyEntry = entry
	kr, err := store.ParseKeyring(entry)
	if err != nil {
		t.Fatal(err)
	}
	f.apps, err = apps.NewApps(apps.Options{
		Store: f.s, Keyring: kr, Clock: f.clock, PublicURL: "https://auth.example.com",
		Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.v = mustVault(t, f.apps, VaultOptions{RedirectAllowed: func(u string) bool { return strings.HasPrefix(u, "https://app.example.com/") }})
	f.apps.OnDelete(f.v.DeleteAppConnections)
	p := apps.AppPatch{
		ID: ptr("crm"), Kind: ptr(apps.KindOAuth2), Name: ptr("Acme CRM"),
		ClientID: ptr(fakeClientID), ClientSecret: ptr(outbound.NewSecret(fakeSecret)),
		AuthorizationURL: ptr("https://crm.example.com/authorize"),
		TokenURL:         ptr(f.p.url("/token")), RevocationURL: ptr(f.p.url("/revoke")),
		Scopes: &[]apps.Scope{
			{Name: "contacts.read", Description: "Read your contacts"},
			{Name: "contacts.write", Description: "Change your contacts", Optional: true},
			{Name: "offline_access", Description: "Stay connected"},
		},
		DefaultScopes:      &[]string{"contacts.read", "offline_access"},
		DefaultRedirectURL: ptr("https://app.example.com/connected"),
	}
	for _, m := range mods {
		m(&p)
	}
	f.app, err = f.apps.Create(context.Background(), p)
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	t.Cleanup(func() { f.assertNoPlaintext(t) })
	return f
}

// connect runs a whole consent for owner with scopes (the app's defaults when none) and returns
// the callback's result.
func (f *vaultFixture) connect(t testing.TB, owner outbound.Owner, externalID string, scopes ...string) *CallbackResult {
	t.Helper()
	ctx := context.Background()
	cr, err := f.v.Connect(ctx, ConnectRequest{AppID: f.app.ID, Owner: owner, Scopes: scopes, ExternalID: externalID})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	res, err := f.v.HandleCallback(ctx, f.app.ID, f.p.issueCode(t, cr.URL), "")
	if err != nil {
		t.Fatalf("HandleCallback: %v", err)
	}
	if res.Outcome != OutcomeConnected {
		t.Fatalf("outcome %q (%s: %s), want connected", res.Outcome, res.ErrorCode, res.ErrorMessage)
	}
	return res
}

func (f *vaultFixture) fetch(t testing.TB, req FetchRequest) (*Token, *Connection) {
	t.Helper()
	if req.AppID == "" {
		req.AppID = f.app.ID
	}
	tok, c, err := f.v.Fetch(context.Background(), req)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return tok, c
}

// assertNoPlaintext checks that no token the provider issued, nor the client secret, appears in
// any Redis key or value, or in the logs.
func (f *vaultFixture) assertNoPlaintext(t testing.TB) {
	t.Helper()
	logs := f.logs.String()
	for _, tok := range f.p.issuedTokens() {
		if hits := storetest.Find(t, f.s, tok); len(hits) > 0 || strings.Contains(logs, tok) {
			t.Errorf("a token the provider issued appears in plain text in Redis (%v) or the logs", hits)
			return
		}
	}
	if hits := storetest.Find(t, f.s, fakeSecret); len(hits) > 0 || strings.Contains(logs, fakeSecret) {
		t.Errorf("the client secret appears in plain text in Redis (%v) or the logs", hits)
	}
}

// syncBuffer is a log sink safe for concurrent writers.
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

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// mustVault builds a vault of registry, failing the test when the options are refused.
func mustVault(t testing.TB, registry *apps.Apps, opts VaultOptions) *Vault {
	t.Helper()
	v, err := NewVault(registry, opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
