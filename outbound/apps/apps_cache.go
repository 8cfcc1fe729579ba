package apps

import (
	"sync"
	"time"

	"github.com/outflowhq/outflow/clock"
)

// appCache keeps apps read from Redis for a short time. Entries are never mutated; readers get
// clones. Every write through the registry calls invalidate, which also bumps a generation so
// that a read that started before the write cannot put its (possibly older) result back.
type appCache struct {
	clock clock.Clock
	ttl   time.Duration

	mu     sync.RWMutex
	gen    uint64
	byID   map[string]cachedApp
	all    []App
	allExp time.Time
}

type cachedApp struct {
	app App
	exp time.Time
}

func newAppCache(c clock.Clock, ttl time.Duration) *appCache {
	return &appCache{clock: c, ttl: ttl, byID: map[string]cachedApp{}}
}

// get returns the cached app; the caller must not modify it.
func (c *appCache) get(id string) (App, bool) {
	now := c.clock.Now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.byID[id]
	if !ok || !now.Before(e.exp) {
		return App{}, false
	}
	return e.app, true
}

// getAll returns the cached list; the caller must not modify it.
func (c *appCache) getAll() ([]App, bool) {
	now := c.clock.Now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.all == nil || !now.Before(c.allExp) {
		return nil, false
	}
	return c.all, true
}

// generation is read before a load; put and putAll drop results loaded before an invalidation.
func (c *appCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *appCache) put(gen uint64, app App) {
	exp := c.clock.Now().Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.pruneLocked()
	c.byID[app.ID] = cachedApp{app: app, exp: exp}
}

func (c *appCache) putAll(gen uint64, apps []App) {
	exp := c.clock.Now().Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.pruneLocked()
	c.all, c.allExp = apps, exp
	if c.all == nil {
		c.all = []App{}
	}
	for _, app := range apps {
		c.byID[app.ID] = cachedApp{app: app, exp: exp}
	}
}

// pruneLocked drops expired entries once the map has grown, so ids of deleted apps do not
// accumulate.
func (c *appCache) pruneLocked() {
	if len(c.byID) < 64 {
		return
	}
	now := c.clock.Now()
	for id, e := range c.byID {
		if !now.Before(e.exp) {
			delete(c.byID, id)
		}
	}
}

// invalidate forgets everything. Writes are rare, so dropping all entries keeps it simple.
func (c *appCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.byID)
	c.all = nil
}
