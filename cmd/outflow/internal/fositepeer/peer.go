//go:build fosite

package fositepeer

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
)

// Decisions a Config or a DecisionFor function can make for an authorization request.
const (
	// DecisionApprove grants every requested scope (the default).
	DecisionApprove = "approve"
	// DecisionDeny refuses: the client receives error=access_denied.
	DecisionDeny = "deny"
)

// DefaultSubject is the subject of the signed-in user when Config.Subject is empty.
const DefaultSubject = "sandbox-user"

// Config configures a Provider. The zero value, apart from Issuer, is ready to use.
type Config struct {
	// Issuer is the absolute URL where Handler is mounted, e.g. "http://127.0.0.1:8080/peer".
	Issuer string
	// AccessTokenLifespan is how long access tokens live; zero means one hour.
	AccessTokenLifespan time.Duration
	// RefreshTokenLifespan is how long refresh tokens live; zero means 30 days.
	RefreshTokenLifespan time.Duration
	// Decision is DecisionApprove (also the empty string) or DecisionDeny; DecisionFor overrides it.
	Decision string
	// Subject is the signed-in user's subject; empty means DefaultSubject.
	Subject string
	// Logger receives debug records about refused requests; nil means slog.Default().
	// Tokens, codes and secrets are never logged.
	Logger *slog.Logger
}

// Provider is an in-memory OAuth 2.0 authorization server driven by ory/fosite. fosite reads
// the wall clock itself, so token expiry is real time. A Provider is safe for concurrent use.
type Provider struct {
	issuer   *url.URL
	subject  string
	decision string
	log      *slog.Logger

	oauth fosite.OAuth2Provider
	store *store
	keyID string

	// grantMu makes each fosite operation that reads or writes tokens atomic. fosite's memory
	// store has no transactions, so without it two concurrent refreshes of one grant could both
	// succeed instead of tripping reuse detection.
	grantMu sync.Mutex

	decideFor     atomic.Pointer[func(*http.Request) string]
	down          atomic.Bool
	omitExpiresIn atomic.Bool
	stats         counters
}

// New starts a provider with the given clients registered, with a fresh signing key and secrets.
func New(cfg Config, clients ...Client) (*Provider, error) {
	issuer, err := parseIssuer(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("fosite peer: %w", err)
	}
	if err := checkDecision(cfg.Decision); err != nil {
		return nil, fmt.Errorf("fosite peer: Config.Decision: %w", err)
	}
	if cfg.AccessTokenLifespan < 0 || cfg.RefreshTokenLifespan < 0 {
		return nil, errors.New("fosite peer: token lifespans must not be negative")
	}
	p := &Provider{
		issuer:   issuer,
		subject:  cmp.Or(cfg.Subject, DefaultSubject),
		decision: cfg.Decision,
		log:      cmp.Or(cfg.Logger, slog.Default()),
		store:    newStore(),
	}
	signKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("fosite peer: generate signing key: %w", err)
	}
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&signKey.PublicKey))
	p.keyID = base64.RawURLEncoding.EncodeToString(sum[:12])
	fc := &fosite.Config{
		AccessTokenLifespan:   cfg.AccessTokenLifespan,
		RefreshTokenLifespan:  cfg.RefreshTokenLifespan,
		AuthorizeCodeLifespan: 10 * time.Minute,
		IDTokenIssuer:         p.Issuer(),
		AccessTokenIssuer:     p.Issuer(),
		TokenURL:              p.TokenURL(),
		GlobalSecret:          randomBytes(32),
		// Without EnforcePKCE, a code whose wrong verifier was rejected could still be redeemed
		// with no verifier at all.
		EnforcePKCE:   true,
		HashCost:      peerHashCost,
		ScopeStrategy: scopeStrategy,
		RedirectSecureChecker: func(_ context.Context, u *url.URL) bool {
			return u.Scheme == "http" || u.Scheme == "https"
		},
	}
	p.oauth = compose.ComposeAllEnabled(fc, p.store, signKey)
	for _, c := range clients {
		if err := p.AddClient(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Handler serves every route of the provider, relative to the mount point.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/auth", p.serveAuthorize)
	mux.HandleFunc("POST /oauth2/token", p.serveToken)
	mux.HandleFunc("POST /oauth2/revoke", p.serveRevoke)
	mux.HandleFunc("POST /oauth2/introspect", p.serveIntrospect)
	mux.HandleFunc("GET /api/contacts", p.serveContacts)
	return mux
}

// Issuer returns the issuer URL, without a trailing slash.
func (p *Provider) Issuer() string { return p.issuer.String() }

// AuthURL returns the authorization endpoint.
func (p *Provider) AuthURL() string { return p.Issuer() + "/oauth2/auth" }

// TokenURL returns the token endpoint.
func (p *Provider) TokenURL() string { return p.Issuer() + "/oauth2/token" }

// RevocationURL returns the RFC 7009 revocation endpoint.
func (p *Provider) RevocationURL() string { return p.Issuer() + "/oauth2/revoke" }

// IntrospectionURL returns the RFC 7662 introspection endpoint.
func (p *Provider) IntrospectionURL() string { return p.Issuer() + "/oauth2/introspect" }

// Introspect reports whether token is an active access token or refresh token of this provider,
// and the scopes granted with it, asking fosite directly. An unknown, expired or revoked token
// is inactive with a nil error.
func (p *Provider) Introspect(ctx context.Context, token string) (active bool, scopes []string, err error) {
	p.grantMu.Lock()
	_, ar, err := p.oauth.IntrospectToken(ctx, token, fosite.AccessToken, &openid.DefaultSession{})
	p.grantMu.Unlock()
	if err != nil {
		for _, inactive := range []error{
			fosite.ErrRequestUnauthorized, fosite.ErrInactiveToken, fosite.ErrTokenExpired,
			fosite.ErrInvalidTokenFormat, fosite.ErrTokenSignatureMismatch,
		} {
			if errors.Is(err, inactive) {
				return false, nil, nil
			}
		}
		return false, nil, fmt.Errorf("fosite peer: introspect token: %w", err)
	}
	return true, append([]string{}, ar.GetGrantedScopes()...), nil
}

func parseIssuer(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("Config.Issuer %q must be an absolute http or https URL", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func checkDecision(d string) error {
	switch d {
	case "", DecisionApprove, DecisionDeny:
		return nil
	}
	return fmt.Errorf("unknown decision %q (want %q or %q)", d, DecisionApprove, DecisionDeny)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}
