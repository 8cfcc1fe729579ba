package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

const (
	testClientID = "demo-app"
	testSecret   = "demo-app-secret-value"
	testRedirect = "https://app.example.test/callback"
)

var testScopes = []string{"openid", "offline", "contacts.read"}

func testClient() Client {
	return Client{
		ID:           testClientID,
		Name:         "Demo Contacts App",
		Secret:       testSecret,
		RedirectURIs: []string{testRedirect},
		Scopes:       []string{"openid", "offline", "contacts"},
	}
}

// fixture is a provider mounted under /sandbox on a real HTTP server, with an x/oauth2 client
// configuration and a browser that keeps cookies and does not follow redirects.
type fixture struct {
	p       *Provider
	conf    *oauth2.Config
	browser *http.Client
}

// setup serves a provider with cfg (Issuer is filled in) and clients (testClient when none).
func setup(t *testing.T, cfg Config, clients ...Client) *fixture {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg.Issuer = "http://" + srv.Listener.Addr().String() + "/sandbox"
	if len(clients) == 0 {
		clients = []Client{testClient()}
	}
	p, err := New(cfg, clients...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", p.Handler()))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		p: p,
		conf: &oauth2.Config{
			ClientID:     clients[0].ID,
			ClientSecret: clients[0].Secret,
			Endpoint:     oauth2.Endpoint{AuthURL: p.AuthURL(), TokenURL: p.TokenURL()},
			RedirectURL:  clients[0].RedirectURIs[0],
			Scopes:       testScopes,
		},
		browser: &http.Client{
			Jar:           jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// startAuth sends the browser to the authorization endpoint as the client would, with PKCE S256,
// and returns the state and verifier it used and the provider's answer.
func (f *fixture) startAuth(t *testing.T, opts ...oauth2.AuthCodeOption) (state, verifier string, resp *http.Response) {
	t.Helper()
	state, verifier = oauth2.GenerateVerifier()[:16], oauth2.GenerateVerifier()
	opts = append(opts, oauth2.S256ChallengeOption(verifier))
	resp = f.get(t, f.conf.AuthCodeURL(state, opts...), "")
	return state, verifier, resp
}

// redirectBack returns the query of the provider's redirect back to the client.
func redirectBack(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want a redirect back to the client; body:\n%s", resp.StatusCode, body(t, resp))
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
		t.Fatalf("redirected to %q, want %q", got, testRedirect)
	}
	return loc.Query()
}

// code runs an approved authorization request and returns the code and its PKCE verifier.
func (f *fixture) code(t *testing.T, opts ...oauth2.AuthCodeOption) (code, verifier string) {
	t.Helper()
	state, verifier, resp := f.startAuth(t, opts...)
	q := redirectBack(t, resp)
	if q.Get("state") != state {
		t.Fatalf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("code") == "" {
		t.Fatalf("no code in redirect: %v", q)
	}
	return q.Get("code"), verifier
}

// connect runs the whole code flow and returns the tokens.
func (f *fixture) connect(t *testing.T) *oauth2.Token {
	t.Helper()
	code, verifier := f.code(t)
	tok, err := f.conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange code: %v", err)
	}
	return tok
}

func (f *fixture) get(t *testing.T, u, bearer string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := f.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// post sends a form as the test client (HTTP basic authentication) and decodes the JSON answer.
func (f *fixture) post(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	status, body, err := f.tryPost(t.Context(), u, form)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// tryPost is post for goroutines other than the test's.
func (f *fixture) tryPost(ctx context.Context, u string, form url.Values) (int, map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(f.conf.ClientID, f.conf.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	m := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return 0, nil, fmt.Errorf("POST %s: response is not JSON: %w\n%s", u, err, raw)
		}
	}
	return resp.StatusCode, m, nil
}

func (f *fixture) refresh(t *testing.T, refreshToken string) (int, map[string]any) {
	t.Helper()
	return f.post(t, f.p.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	ok := Config{Issuer: "http://127.0.0.1:8080/sandbox"}
	tests := []struct {
		name    string
		cfg     Config
		clients []Client
		want    string
	}{
		{"no issuer", Config{}, nil, "Issuer is empty"},
		{"relative issuer", Config{Issuer: "/sandbox"}, nil, "absolute http or https URL"},
		{"issuer with query", Config{Issuer: "http://127.0.0.1/sandbox?x=1"}, nil, "query"},
		{"unknown decision", Config{Issuer: ok.Issuer, Decision: "maybe"}, nil, `unknown decision "maybe"`},
		{"negative lifespan", Config{Issuer: ok.Issuer, AccessTokenLifespan: -1}, nil, "negative"},
		{"confidential client without secret", ok, []Client{{ID: "a", RedirectURIs: []string{testRedirect}}}, "Secret is empty"},
		{"public client with secret", ok, []Client{{ID: "a", Secret: "s", Public: true, RedirectURIs: []string{testRedirect}}}, "public client has no Secret"},
		{"no redirect URI", ok, []Client{{ID: "a", Secret: "s"}}, "RedirectURIs is empty"},
		{"custom-scheme redirect URI", ok, []Client{{ID: "a", Secret: "s", RedirectURIs: []string{"myapp:/cb"}}}, "absolute http or https URL"},
		{"scope with a space", ok, []Client{{ID: "a", Secret: "s", RedirectURIs: []string{testRedirect}, Scopes: []string{"a b"}}}, "not a valid OAuth scope"},
		{"duplicate client", ok, []Client{testClient(), testClient()}, ErrDuplicateClient.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg, tt.clients...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestNewReportsDuplicateClientAsSentinel(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://127.0.0.1/sandbox"}, testClient())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AddClient(testClient()); !errors.Is(err, ErrDuplicateClient) {
		t.Fatalf("AddClient of a registered ID = %v, want ErrDuplicateClient", err)
	}
}

func TestEndpointURLsFollowIssuer(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://127.0.0.1:8080/sandbox/"})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{p.Issuer(), p.AuthURL(), p.TokenURL(), p.RevocationURL(), p.IntrospectionURL(), p.MeURL(), p.APIKeyCheckURL()}
	want := []string{
		"http://127.0.0.1:8080/sandbox",
		"http://127.0.0.1:8080/sandbox/oauth2/auth",
		"http://127.0.0.1:8080/sandbox/oauth2/token",
		"http://127.0.0.1:8080/sandbox/oauth2/revoke",
		"http://127.0.0.1:8080/sandbox/oauth2/introspect",
		"http://127.0.0.1:8080/sandbox/api/me",
		"http://127.0.0.1:8080/sandbox/api/keys/check",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("URL %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestMetadataDescribesTheEndpoints(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{})
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		resp := f.get(t, f.p.Issuer()+path, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		var md metadata
		if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
			t.Fatal(err)
		}
		if md.Issuer != f.p.Issuer() || md.AuthorizationEndpoint != f.p.AuthURL() || md.TokenEndpoint != f.p.TokenURL() ||
			md.RevocationEndpoint != f.p.RevocationURL() || md.IntrospectionEndpoint != f.p.IntrospectionURL() {
			t.Errorf("%s: endpoints do not match the provider: %+v", path, md)
		}
		if strings.Join(md.CodeChallengeMethodsSupported, ",") != "S256" {
			t.Errorf("code_challenge_methods_supported = %v, want [S256]", md.CodeChallengeMethodsSupported)
		}
		if strings.Join(md.GrantTypesSupported, ",") != "authorization_code,refresh_token" {
			t.Errorf("grant_types_supported = %v", md.GrantTypesSupported)
		}
		if !strings.Contains(md.Sandbox, "not a real service") {
			t.Errorf("metadata is not labelled as a sandbox: %q", md.Sandbox)
		}
	}
}

func TestSecretsNeverReachTheLog(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	f := setup(t, Config{Decision: DecisionApprove, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	f.p.log.Info("registered", "client", testClient())

	tok := f.connect(t)
	f.refresh(t, tok.RefreshToken)
	f.refresh(t, tok.RefreshToken) // reuse: refused and logged
	f.post(t, f.p.TokenURL(), url.Values{"grant_type": {"authorization_code"}, "code": {"not-a-code"}})

	out := logs.String()
	if !strings.Contains(out, "REDACTED") || !strings.Contains(out, "invalid_grant") {
		t.Fatalf("expected a redacted client and refused grants in the log:\n%s", out)
	}
	for name, secret := range map[string]string{"client secret": testSecret, "access token": tok.AccessToken, "refresh token": tok.RefreshToken} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains the %s:\n%s", name, out)
		}
	}
}
