//go:build fosite

package fositepeer

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/ory/fosite"
	"github.com/ory/fosite/storage"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
)

// ErrDuplicateClient is returned by New and AddClient when a client ID is already registered.
var ErrDuplicateClient = sandbox.ErrDuplicateClient

// Client is an OAuth client registered with the peer, described as for the sandbox provider, so
// that a test registers the same clients with either. Every client may use the authorization code
// grant (with PKCE S256, always required) and the refresh token grant, and response type "code"
// only. The peer keeps only a bcrypt hash of a client's secret.
type Client = sandbox.Client

// AddClient registers one more client; it can be called while the provider serves requests.
func (p *Provider) AddClient(c Client) error {
	if err := c.Validate(); err != nil {
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
