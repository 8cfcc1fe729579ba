package sandbox

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
)

// ErrDuplicateClient is returned by New and AddClient when a client ID is already registered.
var ErrDuplicateClient = errors.New("client ID already registered")

// Client is an OAuth client registered with the sandbox. Every client may use the authorization
// code grant (with PKCE S256, always required) and the refresh token grant, and response type
// "code" only.
type Client struct {
	// ID is the client_id.
	ID string
	// Name is shown on the consent page; empty means ID.
	Name string
	// Secret authenticates a confidential client (client_secret_basic or client_secret_post).
	// It must be empty for a public client. Only a digest of it is kept.
	Secret string
	// RedirectURIs are the callback URLs the client may use, http or https, matched exactly.
	RedirectURIs []string
	// Scopes are the scopes the client may request. A scope also covers its dot-separated
	// children ("contacts" covers "contacts.read"). Empty means any scope. Refresh tokens are
	// issued only when "offline" or "offline_access" is granted, so list one of them when the
	// list is not empty and the client needs refresh tokens.
	Scopes []string
	// Public marks a client without a secret (a native or single-page app); it identifies itself
	// with client_id alone and PKCE protects its codes.
	Public bool
}

// LogValue implements slog.LogValuer; the secret is never printed.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", c.ID),
		slog.String("name", c.Name),
		slog.Bool("public", c.Public),
		slog.String("secret", "REDACTED"),
	)
}

// AddClient registers one more client; it can be called while the provider serves requests.
func (p *Provider) AddClient(c Client) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("sandbox client %q: %w", c.ID, err)
	}
	rc := &registeredClient{
		id:           c.ID,
		name:         cmp.Or(c.Name, c.ID),
		redirectURIs: slices.Clone(c.RedirectURIs),
		scopes:       slices.Clone(c.Scopes),
		public:       c.Public,
		secret:       sha256.Sum256([]byte(c.Secret)),
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.clients[c.ID]; ok {
		return fmt.Errorf("sandbox client %q: %w", c.ID, ErrDuplicateClient)
	}
	p.clients[c.ID] = rc
	return nil
}

// Validate reports the first thing wrong with c as a client registration, in words that say how
// to fix it.
func (c Client) Validate() error {
	if c.ID == "" || strings.ContainsAny(c.ID, " \t\r\n") {
		return errors.New("ID must be non-empty and contain no spaces")
	}
	if c.Public && c.Secret != "" {
		return errors.New("a public client has no Secret; remove it or set Public to false")
	}
	if !c.Public && c.Secret == "" {
		return errors.New("Secret is empty; set one or mark the client Public")
	}
	if len(c.RedirectURIs) == 0 {
		return errors.New("RedirectURIs is empty; list the client's callback URL")
	}
	for _, raw := range c.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
			return fmt.Errorf("redirect URI %q must be an absolute http or https URL without a fragment", raw)
		}
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			return fmt.Errorf("scope %q is not a valid OAuth scope token", s)
		}
	}
	return nil
}

// registeredClient is a Client as the provider keeps it: the secret only as a SHA-256 digest.
type registeredClient struct {
	id, name     string
	redirectURIs []string
	scopes       []string
	public       bool
	secret       [32]byte
}

// secretMatches compares in constant time.
func (c *registeredClient) secretMatches(secret string) bool {
	sum := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(sum[:], c.secret[:]) == 1
}

// allows reports whether the client may request scope: it is listed, or a listed scope is its
// dot-separated parent ("contacts" covers "contacts.read"), or the client lists no scopes.
func (c *registeredClient) allows(scope string) bool {
	if len(c.scopes) == 0 {
		return true
	}
	for _, s := range c.scopes {
		if scope == s || strings.HasPrefix(scope, s+".") {
			return true
		}
	}
	return false
}

// client returns a registered client by ID.
func (p *Provider) client(id string) (*registeredClient, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rc, ok := p.clients[id]
	return rc, ok
}
