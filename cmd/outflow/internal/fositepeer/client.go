//go:build fosite

package fositepeer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/ory/fosite"
	"github.com/ory/fosite/storage"
)

// ErrDuplicateClient is returned by New and AddClient when a client ID is already registered.
var ErrDuplicateClient = errors.New("client ID already registered")

// Client is an OAuth client registered with the peer. Every client may use the authorization
// code grant (with PKCE S256, always required) and the refresh token grant, and response type
// "code" only.
type Client struct {
	// ID is the client_id.
	ID string
	// Name is shown on the consent page; empty means ID.
	Name string
	// Secret authenticates a confidential client (client_secret_basic or client_secret_post).
	// It must be empty for a public client. Only its bcrypt hash is kept.
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
	if err := c.validate(); err != nil {
		return fmt.Errorf("fosite peer client %q: %w", c.ID, err)
	}
	fc := &fosite.DefaultClient{
		ID:            c.ID,
		RedirectURIs:  slices.Clone(c.RedirectURIs),
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"},
		Scopes:        slices.Clone(c.Scopes),
		Public:        c.Public,
	}
	if len(fc.Scopes) == 0 {
		fc.Scopes = []string{anyScope}
	}
	if !c.Public {
		hasher := &fosite.BCrypt{Config: &fosite.Config{HashCost: peerHashCost}}
		hash, err := hasher.Hash(context.Background(), []byte(c.Secret))
		if err != nil {
			return fmt.Errorf("fosite peer client %q: hash secret: %w", c.ID, err)
		}
		fc.Secret = hash
	}
	if err := p.store.addClient(registeredClient{name: cmp.Or(c.Name, c.ID), client: fc}); err != nil {
		return fmt.Errorf("fosite peer client %q: %w", c.ID, err)
	}
	return nil
}

func (c Client) validate() error {
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

// peerHashCost is bcrypt's minimum cost. Client secrets in a test peer protect nothing of value,
// and a high cost would slow every token request of every test.
const peerHashCost = 4

// anyScope stands in the scope list of a client registered without scopes. It contains a space,
// so no request can ever ask for it by name.
const anyScope = "fosite peer: any scope"

// scopeStrategy is fosite's hierarchic strategy, plus the anyScope wildcard.
func scopeStrategy(allowed []string, scope string) bool {
	return slices.Contains(allowed, anyScope) || fosite.HierarchicScopeStrategy(allowed, scope)
}

// store is fosite's memory store with its own client registry, so clients can be added while
// requests are served (the memory store's client map has no public locking).
type store struct {
	*storage.MemoryStore

	mu      sync.RWMutex
	clients map[string]registeredClient
}

type registeredClient struct {
	name   string
	client *fosite.DefaultClient
}

func newStore() *store {
	return &store{MemoryStore: storage.NewMemoryStore(), clients: make(map[string]registeredClient)}
}

// GetClient implements fosite.ClientManager.
func (s *store) GetClient(_ context.Context, id string) (fosite.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rc, ok := s.clients[id]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return rc.client, nil
}

func (s *store) clientName(id string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if rc, ok := s.clients[id]; ok {
		return rc.name
	}
	return id
}

func (s *store) addClient(rc registeredClient) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[rc.client.ID]; ok {
		return ErrDuplicateClient
	}
	s.clients[rc.client.ID] = rc
	return nil
}
