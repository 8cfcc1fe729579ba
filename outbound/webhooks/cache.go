package webhooks

import (
	"context"
	"sync"
	"time"
)

// cacheTTL is how long a worker reuses an endpoint it read, with its opened secrets: a change
// made elsewhere (a rotation, a disable, a delete) reaches deliveries within this time.
const cacheTTL = time.Second

// cachedEndpoint is an endpoint as read for deliveries, with the secrets that sign for it.
type cachedEndpoint struct {
	rec     *endpointRecord
	secrets []string
	err     error
	at      time.Time
}

// endpointCache holds endpoints for deliveries, per process.
type endpointCache struct {
	mu sync.Mutex
	m  map[string]cachedEndpoint
}

// forDelivery returns the endpoint id and its signing secrets, from the cache when fresh.
func (w *Webhooks) forDelivery(ctx context.Context, id string) (*endpointRecord, []string, error) {
	now := time.Now()
	w.cache.mu.Lock()
	c, ok := w.cache.m[id]
	w.cache.mu.Unlock()
	if ok && now.Sub(c.at) < cacheTTL {
		return c.rec, c.secrets, c.err
	}
	rec, _, err := w.load(ctx, id)
	c = cachedEndpoint{rec: rec, err: err, at: now}
	if err == nil {
		c.secrets, c.err = w.secrets(rec)
	} else if err != ErrEndpointNotFound {
		return nil, nil, err // not cached: Redis may answer next time
	}
	w.cache.mu.Lock()
	if w.cache.m == nil {
		w.cache.m = map[string]cachedEndpoint{}
	}
	w.cache.m[id] = c
	w.cache.mu.Unlock()
	return c.rec, c.secrets, c.err
}

// forget drops an endpoint changed by this process from the cache.
func (w *Webhooks) forget(id string) {
	w.cache.mu.Lock()
	delete(w.cache.m, id)
	w.cache.mu.Unlock()
}
