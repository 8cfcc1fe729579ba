package proxy

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

// credCache keeps, for a short time (Options.CredentialTTL), what a target's requests need from
// Redis: the credential and the connection's back-off. A busy connection then costs Redis one
// read per TTL instead of two per request. Entries are dropped when the API refuses their token
// and updated when this process records a back-off; another process's back-off is seen within
// the TTL.
type credCache struct {
	mu      sync.Mutex
	entries map[targetKey]cacheEntry
}

type cacheEntry struct {
	cred    *credential
	backoff time.Time
	expires time.Time
}

// maxCacheEntries bounds the cache; past it, expired entries are dropped.
const maxCacheEntries = 4096

// targetKey names a target in the cache: everything that chooses its connection.
type targetKey struct {
	app, user, tenant, external, connection, scopes string
}

// key is t's cache key; it allocates only for a target naming several scopes.
func (t *Target) key() targetKey {
	k := targetKey{app: t.AppID, user: t.UserID, tenant: t.TenantID, external: t.ExternalID, connection: t.ConnectionID}
	switch len(t.Scopes) {
	case 0:
	case 1:
		k.scopes = t.Scopes[0]
	default:
		k.scopes = strings.Join(t.Scopes, " ")
	}
	return k
}

func (c *credCache) get(key targetKey, now time.Time) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *credCache) put(key targetKey, e cacheEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[targetKey]cacheEntry{}
	}
	if len(c.entries) >= maxCacheEntries {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = e
}

// setBackoff records until when a cached target's connection waits.
func (c *credCache) setBackoff(key targetKey, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		e.backoff = until
		c.entries[key] = e
	}
}

func (c *credCache) drop(key targetKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// cachedCredential returns the target's credential and back-off, from the cache or from Redis.
func (s *session) cachedCredential(ctx context.Context) (*credential, time.Time, error) {
	p, key, now := s.p, s.t.key(), s.p.clock.Now()
	if p.opts.CredentialTTL > 0 {
		if e, ok := p.cache.get(key, now); ok {
			return e.cred, e.backoff, nil
		}
	}
	c, err := s.credential(ctx, "")
	if err != nil {
		return nil, time.Time{}, err
	}
	s.cred = c
	until, err := s.readBackoff(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	if p.opts.CredentialTTL > 0 {
		p.cache.put(key, cacheEntry{cred: c, backoff: until, expires: now.Add(p.opts.CredentialTTL)}, now)
	}
	return c, until, nil
}

// appCache keeps each app and its parsed bases for CredentialTTL, so a busy connection does not
// copy the app and parse its bases for every request. An app edited elsewhere is seen within it.
type appCache struct {
	mu   sync.Mutex
	byID map[string]loadedApp
}

type loadedApp struct {
	app      *apps.App
	patterns []apps.APIBase
	at       time.Time
}

func (c *appCache) get(id string, now time.Time, ttl time.Duration) (loadedApp, bool) {
	if ttl <= 0 {
		return loadedApp{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.byID[id]
	if !ok || now.Sub(a.at) >= ttl || now.Before(a.at) {
		return loadedApp{}, false
	}
	return a, true
}

func (c *appCache) put(id string, a loadedApp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil || len(c.byID) >= maxCacheEntries {
		c.byID = map[string]loadedApp{}
	}
	c.byID[id] = a
}
