// Package sandbox is a real OAuth 2.0 authorization server for trying Outflow offline and for
// testing against: `outflow serve --demo` mounts it in-process so a newcomer can click through a
// consent screen with no third-party account, and the token-vault and browser tests use it as the
// provider on the other end of the wire.
//
// It is a small authorization server written for this purpose, labelled a demo provider: it
// keeps to the parts of RFC 6749, RFC 7636, RFC 7009, RFC 7662 and OpenID Connect Core that an
// OAuth client meets — authorization codes bound to PKCE (S256, always required), exact redirect
// URIs, client authentication, refresh-token rotation with reuse detection, revocation,
// introspection and RS256 ID tokens — and nothing else (no dynamic registration, no implicit or
// client-credentials grant, no JWT access tokens). It adds what a real provider has around it: a
// consent page, discovery metadata, a tiny protected API, an API-key probe, and a few controls
// for tests. Everything lives in memory and is lost when the process exits. It is labelled as a
// sandbox wherever a person can see it. The token-vault tests do not rely on it: they run against
// ory/fosite (package fositepeer), an independent and stricter implementation, which is kept out
// of the binary.
//
// Routes, relative to where Handler is mounted (mount it with http.StripPrefix so that the
// absolute URL of the mount point equals Config.Issuer):
//
//	GET  /oauth2/auth                             authorization endpoint (consent page or instant decision)
//	POST /oauth2/auth                             the consent page's Approve / Deny form
//	POST /oauth2/token                            token endpoint (authorization_code, refresh_token)
//	POST /oauth2/revoke                           RFC 7009 revocation
//	POST /oauth2/introspect                       RFC 7662 introspection (client authentication required)
//	GET  /.well-known/oauth-authorization-server  RFC 8414 metadata (also at /.well-known/openid-configuration)
//	GET  /.well-known/jwks.json                   public key that signs ID tokens
//	GET  /api/me                                  protected resource: who does this access token belong to
//	GET  /api/keys/check                          API-key probe for the demo API-key app
//	GET  /api/contacts                            protected resource: the token owner's contacts (contacts.read)
//
// As with most providers, a code exchange returns a refresh token only when the
// `offline` or `offline_access` scope was granted, and each refresh returns a new access token and
// a new refresh token while the grant's previous ones stop working. Presenting a refresh token a second time is treated as theft:
// the whole grant (the newest refresh token and its access token) is revoked, so a client that
// refreshes the same grant twice, even concurrently, loses the connection. Token requests are
// handled one at a time, so this holds under concurrency as it would with a real provider's
// database transactions. A code presented a second time is refused and revokes the grant it was
// exchanged for (RFC 6749 section 4.1.2); a wrong PKCE verifier burns the code.
package sandbox

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Decisions a Config or a DecisionFor function can make for an authorization request.
const (
	// DecisionAsk shows the HTML consent page and lets the person choose.
	DecisionAsk = ""
	// DecisionApprove grants every requested scope at once, with no page (tests without a browser).
	DecisionApprove = "approve"
	// DecisionDeny refuses at once: the client receives error=access_denied.
	DecisionDeny = "deny"
)

// DefaultSubject is the subject of the signed-in sandbox user when Config.Subject is empty.
const DefaultSubject = "sandbox-user"

// Config configures a Provider. The zero value, apart from Issuer, is ready to use.
type Config struct {
	// Issuer is the absolute URL where Handler is mounted, e.g. "http://127.0.0.1:8080/sandbox".
	// Endpoint URLs, the metadata document and ID tokens are derived from it.
	Issuer string
	// AccessTokenLifespan is how long access tokens live; zero means one hour.
	AccessTokenLifespan time.Duration
	// RefreshTokenLifespan is how long refresh tokens live; zero means 30 days.
	RefreshTokenLifespan time.Duration
	// Decision is what happens to an authorization request: DecisionAsk (the default) shows the
	// consent page, DecisionApprove or DecisionDeny decides at once. DecisionFor overrides it.
	Decision string
	// Subject is the signed-in sandbox user's subject (the `sub` of tokens and ID tokens);
	// empty means DefaultSubject.
	Subject string
	// Logger receives debug records about refused requests; nil means slog.Default().
	// Tokens, codes and secrets are never logged.
	Logger *slog.Logger
}

// Provider is an in-memory OAuth 2.0 authorization server. It has no clock option: token expiry
// is real time. A Provider is safe for concurrent use.
type Provider struct {
	issuer   *url.URL
	subject  string
	decision string
	log      *slog.Logger

	accessLifespan  time.Duration
	refreshLifespan time.Duration
	// signing is the ID-token key, generated on first use: most tests and many demo sessions
	// never ask for an ID token, and an RSA key takes a noticeable time to generate.
	signing func() (signingKey, error)
	csrfKey []byte

	// mu makes each request that reads or writes clients, codes or tokens atomic, so two
	// concurrent refreshes of one grant cannot both succeed.
	mu        sync.Mutex
	clients   map[string]*registeredClient
	codes     map[digest]*authCode
	grants    map[string]*grant
	tokens    map[digest]*tokenEntry
	nextSweep time.Time

	decideFor     atomic.Pointer[func(*http.Request) string]
	signedIn      atomic.Pointer[string]
	down          atomic.Bool
	omitExpiresIn atomic.Bool
	stats         counters

	keysMu      sync.Mutex
	revokedKeys map[[32]byte]struct{}
}

// New starts a provider with the given clients registered. It has fresh secrets and a fresh
// signing key (made on first use), so two providers never accept each other's tokens.
func New(cfg Config, clients ...Client) (*Provider, error) {
	issuer, err := parseIssuer(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("sandbox provider: %w", err)
	}
	if err := checkDecision(cfg.Decision); err != nil {
		return nil, fmt.Errorf("sandbox provider: Config.Decision: %w", err)
	}
	if cfg.AccessTokenLifespan < 0 || cfg.RefreshTokenLifespan < 0 {
		return nil, errors.New("sandbox provider: token lifespans must not be negative")
	}
	p := &Provider{
		issuer:      issuer,
		subject:     cmp.Or(cfg.Subject, DefaultSubject),
		decision:    cfg.Decision,
		log:         cfg.Logger,
		csrfKey:     randomBytes(32),
		revokedKeys: make(map[[32]byte]struct{}),

		accessLifespan:  cmp.Or(cfg.AccessTokenLifespan, time.Hour),
		refreshLifespan: cmp.Or(cfg.RefreshTokenLifespan, 30*24*time.Hour),
		clients:         make(map[string]*registeredClient),
		codes:           make(map[digest]*authCode),
		grants:          make(map[string]*grant),
		tokens:          make(map[digest]*tokenEntry),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.signing = sync.OnceValues(newSigningKey)

	for _, c := range clients {
		if err := p.AddClient(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// LogValue implements slog.LogValuer: a Provider logs as its issuer, never its keys.
func (p *Provider) LogValue() slog.Value { return slog.StringValue(p.Issuer()) }

// Handler serves every route of the provider, relative to the mount point (see the package
// documentation). Mount it with http.StripPrefix at the path of Config.Issuer.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/auth", p.serveAuthorize)
	mux.HandleFunc("POST /oauth2/auth", p.serveConsentDecision)
	mux.HandleFunc("POST /oauth2/token", p.serveToken)
	mux.HandleFunc("POST /oauth2/revoke", p.serveRevoke)
	mux.HandleFunc("POST /oauth2/introspect", p.serveIntrospect)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", p.serveMetadata)
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveMetadata)
	mux.HandleFunc("GET /.well-known/jwks.json", p.serveJWKS)
	mux.HandleFunc("GET /api/me", p.serveMe)
	mux.HandleFunc("GET /api/keys/check", p.serveKeyCheck)
	mux.HandleFunc("GET /api/contacts", p.serveContacts)
	return mux
}

// Issuer returns the issuer URL, without a trailing slash.
func (p *Provider) Issuer() string { return p.issuer.String() }

// AuthURL returns the authorization endpoint.
func (p *Provider) AuthURL() string { return p.endpoint("/oauth2/auth") }

// TokenURL returns the token endpoint.
func (p *Provider) TokenURL() string { return p.endpoint("/oauth2/token") }

// RevocationURL returns the RFC 7009 revocation endpoint.
func (p *Provider) RevocationURL() string { return p.endpoint("/oauth2/revoke") }

// IntrospectionURL returns the RFC 7662 introspection endpoint.
func (p *Provider) IntrospectionURL() string { return p.endpoint("/oauth2/introspect") }

// MeURL returns the protected resource that reports whose access token it was given.
func (p *Provider) MeURL() string { return p.endpoint("/api/me") }

// APIKeyCheckURL returns the API-key probe endpoint.
func (p *Provider) APIKeyCheckURL() string { return p.endpoint("/api/keys/check") }

func (p *Provider) endpoint(path string) string { return p.Issuer() + path }

func parseIssuer(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New(`Config.Issuer is empty: set it to the absolute URL where Handler is mounted, e.g. "http://127.0.0.1:8080/sandbox"`)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("Config.Issuer %q is not a URL: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("Config.Issuer %q must be an absolute http or https URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("Config.Issuer %q must not have credentials, a query or a fragment", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func checkDecision(d string) error {
	switch d {
	case DecisionAsk, DecisionApprove, DecisionDeny:
		return nil
	}
	return fmt.Errorf("unknown decision %q (want %q, %q or %q)", d, DecisionAsk, DecisionApprove, DecisionDeny)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}
