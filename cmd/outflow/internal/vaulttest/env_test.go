//go:build fosite

package vaulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/cmd/outflow/internal/fositepeer"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

const (
	appID    = "sandbox-crm"
	clientID = "outflow-vault-test"
	// clientSecret is long and unusual so a scan can tell it apart from anything else.
	clientSecret = "vault-test-client-secret-7c1d0e9b4a"
	publicURL    = "https://auth.example.com"
)

var (
	alice     = outbound.Owner{UserID: "alice"}
	acme      = outbound.Owner{TenantID: "acme"}
	allScopes = []string{"openid", "offline", "contacts.read"}
	epoch     = time.Date(2026, 8, 3, 9, 0, 0, 0, time.UTC)
)

// env is one vault (or several, sharing a Redis) in front of a real OAuth server.
type env struct {
	t       *testing.T
	p       *fositepeer.Provider
	s       *store.Store
	keyring *store.Keyring
	clock   *clock.Fake
	apps    *apps.Apps
	v       *oauth.Vault
	logs    *lockedBuffer
	seen    *tokenLog
	// consentSecrets are the states, codes and PKCE verifiers of the consents.
	consentSecrets *tokenLog
	browser        *http.Client
	http           *http.Client
	// logsOnly limits the closing plain-text search to the logs, for a test that makes so many
	// tokens that searching Redis for each would take minutes.
	logsOnly bool
}

// setup serves a fosite peer with one confidential client whose redirect URI is the app's
// callback, creates the app in a registry on s, and builds a vault whose provider traffic is
// recorded (so the suite knows every token ever issued) and whose logs are captured.
func setup(t *testing.T, s *store.Store) *env {
	t.Helper()
	e := &env{t: t, s: s, clock: clock.NewFake(epoch), logs: &lockedBuffer{}, seen: &tokenLog{}, consentSecrets: &tokenLog{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	srv := httptest.NewUnstartedServer(nil)
	p, err := fositepeer.New(fositepeer.Config{
		Issuer: "http://" + srv.Listener.Addr().String() + "/sandbox", Decision: fositepeer.DecisionApprove, Logger: log,
	}, fositepeer.Client{
		ID: clientID, Name: "Vault test", Secret: clientSecret,
		RedirectURIs: []string{publicURL + apps.CallbackPath + appID},
		Scopes:       []string{"openid", "offline", "contacts"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", p.Handler()))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	e.p = p

	e.keyring, err = store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	e.http = &http.Client{Timeout: 10 * time.Second, Transport: &recordingTransport{base: http.DefaultTransport, seen: e.seen, consented: e.consentSecrets}}
	e.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.apps, e.v = e.instance(s)

	kind := apps.KindOAuth2
	str := func(s string) *string { return &s }
	secret := outbound.NewSecret(clientSecret)
	if _, err := e.apps.Create(context.Background(), apps.AppPatch{
		ID: str(appID), Kind: &kind, Name: str("Sandbox CRM"), ClientID: str(clientID), ClientSecret: &secret,
		AuthorizationURL: str(p.AuthURL()), TokenURL: str(p.TokenURL()), RevocationURL: str(p.RevocationURL()),
		Issuer:        str(p.Issuer()),
		DefaultScopes: &allScopes,
		Refresh:       &apps.RefreshPolicyPatch{RotatesRefreshToken: func() *bool { b := true; return &b }(), FallbackLifetimeSeconds: func() *int { n := 1800; return &n }()},
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.assertNoPlaintext)
	return e
}

// instance builds an app registry and a vault on s, as another process would.
func (e *env) instance(s *store.Store) (*apps.Apps, *oauth.Vault) {
	e.t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	registry, err := apps.NewApps(apps.Options{
		Store: s, Keyring: e.keyring, PublicURL: publicURL, HTTPClient: e.http, Clock: e.clock, Logger: log,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := oauth.NewVault(registry, oauth.VaultOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	registry.OnDelete(v.DeleteAppConnections)
	e.t.Cleanup(func() { _ = v.Close() })
	return registry, v
}

// otherProcess returns a vault on its own Redis client to the same Redis and key prefix: what a
// second instance of the server would have.
func (e *env) otherProcess() *oauth.Vault {
	e.t.Helper()
	_, v := e.instance(e.otherStore())
	return v
}

// otherStore is a store on its own Redis client to the same Redis and key prefix: what another
// instance would have, on whatever topology the test runs.
func (e *env) otherStore() *store.Store {
	e.t.Helper()
	return storetest.Another(e.t, e.s)
}

// consent starts a consent, lets the browser visit the provider's authorization endpoint (the
// peer decides at once) and returns the query of the provider's redirect back.
func (e *env) consent(v *oauth.Vault, req oauth.ConnectRequest) url.Values {
	e.t.Helper()
	if req.AppID == "" {
		req.AppID = appID
	}
	cr, err := v.Connect(context.Background(), req)
	if err != nil {
		e.t.Fatalf("Connect: %v", err)
	}
	if u, err := url.Parse(cr.URL); err == nil {
		e.consentSecrets.add(u.Query().Get("state"))
	}
	resp, err := e.browser.Get(cr.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("authorization endpoint answered %d:\n%s", resp.StatusCode, b)
	}
	loc, err := resp.Location()
	if err != nil {
		e.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != publicURL+apps.CallbackPath+appID {
		e.t.Fatalf("the provider redirected to %q, not the app's callback", got)
	}
	if code := loc.Query().Get("code"); code != "" {
		e.consentSecrets.add(code)
	}
	return loc.Query()
}

// connect runs a whole consent and returns the connection.
func (e *env) connect(owner outbound.Owner, externalID string) *oauth.Connection {
	e.t.Helper()
	q := e.consent(e.v, oauth.ConnectRequest{Owner: owner, ExternalID: externalID})
	res, err := e.v.HandleCallback(context.Background(), appID, q, "")
	if err != nil {
		e.t.Fatalf("HandleCallback: %v", err)
	}
	if res.Outcome != oauth.OutcomeConnected {
		e.t.Fatalf("outcome %q (%s: %s)", res.Outcome, res.ErrorCode, res.ErrorMessage)
	}
	return res.Connection
}

func (e *env) fetch(v *oauth.Vault, req oauth.FetchRequest) (*oauth.Token, *oauth.Connection) {
	e.t.Helper()
	if req.AppID == "" {
		req.AppID = appID
	}
	tok, c, err := v.Fetch(context.Background(), req)
	if err != nil {
		e.t.Fatalf("Fetch: %v", err)
	}
	return tok, c
}

// active asks the provider whether a token is live.
func (e *env) active(token string) bool {
	e.t.Helper()
	ok, _, err := e.p.Introspect(context.Background(), token)
	if err != nil {
		e.t.Fatalf("Introspect: %v", err)
	}
	return ok
}

// assertNoPlaintext searches every Redis key and value under the prefix, and the captured logs,
// for every token the provider issued, every PKCE verifier, state and authorization code of a
// consent, and the client secret. A test in which the provider issued tokens must have recorded
// them, or the search would prove nothing.
func (e *env) assertNoPlaintext() {
	t := e.t
	issued := e.seen.all()
	if st := e.p.Stats(); st.AuthorizationCodeGrants+st.RefreshGrants > 0 && len(issued) == 0 {
		t.Errorf("the provider issued tokens (%+v) but none were recorded: the plain-text search proves nothing", st)
	}
	logs := e.logs.String()
	for _, s := range append(append(issued, e.consentSecrets.all()...), clientSecret) {
		if strings.Contains(logs, s) {
			t.Errorf("a token, consent secret or the client secret (%d characters) appears in plain text in the logs", len(s))
			continue
		}
		if e.logsOnly {
			continue
		}
		if hits := storetest.Find(t, e.s, s); len(hits) > 0 {
			t.Errorf("a token, consent secret or the client secret (%d characters) appears in plain text in Redis (%v) or the logs", len(s), hits)
		}
	}
}

// recordingTransport notes every token the provider's token endpoint hands out, and the PKCE
// verifier and authorization code of every code exchange.
type recordingTransport struct {
	base            http.RoundTripper
	seen, consented *tokenLog
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/oauth2/token") {
		return rt.base.RoundTrip(req)
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if form, err := url.ParseQuery(string(body)); err == nil {
			for _, k := range []string{"code", "code_verifier"} {
				if v := form.Get(k); v != "" {
					rt.consented.add(v)
				}
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if s, ok := m[k].(string); ok && s != "" {
				rt.seen.add(s)
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

type tokenLog struct {
	mu     sync.Mutex
	tokens []string
}

func (l *tokenLog) add(s string) {
	l.mu.Lock()
	l.tokens = append(l.tokens, s)
	l.mu.Unlock()
}

func (l *tokenLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tokens...)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
