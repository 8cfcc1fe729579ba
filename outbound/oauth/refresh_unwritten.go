package oauth

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// maxUnwritten bounds the token sets one vault holds for Redis. Past it a new set is not held:
// its access token still serves the fetch that refreshed it, but its refresh token is lost.
const maxUnwritten = 4096

// unwrittenSet is a token pair the provider issued that Redis has not taken yet (it refused
// the write, or the refresh lost its lock): the connection as it is to be stored, its tokens
// sealed exactly as they will be in Redis, and the token generation it was refreshed from (the
// one Redis still holds). Until it is written it stands in for the stored connection: fetches
// are served from it and a refresh starts from its refresh token — when the provider rotates
// refresh tokens, the only live one. It never leaves the process.
type unwrittenSet struct {
	key   string // the record's key
	owner outbound.Owner
	base  int64
	next  storedConn
	// unrotated: the provider was said to rotate refresh tokens but returned none.
	unrotated bool
	// recovered: the connection it was written onto had been failing to refresh.
	recovered bool
}

// LogValue hides the set: it holds tokens, sealed, which have no business in a log.
func (u *unwrittenSet) LogValue() slog.Value { return slog.StringValue(outbound.Redacted) }

// String hides the set from fmt as well.
func (u *unwrittenSet) String() string { return outbound.Redacted }

var _ slog.LogValuer = (*unwrittenSet)(nil)

// unwrittenSets are the token sets a vault holds until Redis takes them, one per connection (a
// newer one replaces an older one: its refresh token is the live one), bounded by maxUnwritten.
// While it holds any, a background loop keeps trying to write them (see retryUnwritten); the
// loop ends when none is left, or when the vault is closed.
type unwrittenSets struct {
	mu      sync.Mutex
	m       map[string]*unwrittenSet // by record key and connection id
	n       atomic.Int64             // len(m), read without the lock on every fetch
	running bool
	closed  bool

	// loop is the background retry, started when a set is held and no loop runs; ctx ends it.
	loop   func(ctx context.Context)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// wait is how the loop waits between rounds (the wall clock; tests trigger rounds).
	wait func(ctx context.Context, d time.Duration) error
}

func unwrittenKey(recordKey, connID string) string { return recordKey + "\x00" + connID }

// get returns the set held for c's connection when it was refreshed from c's token generation,
// or nil. A set refreshed from an older generation is dropped: the tokens changed since (a
// reconnect, an import, or the set itself was written).
func (s *unwrittenSets) get(recordKey string, c *storedConn) *unwrittenSet {
	if s.n.Load() == 0 {
		return nil
	}
	k := unwrittenKey(recordKey, c.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.m[k]
	switch {
	case u == nil:
		return nil
	case c.Gen > u.base:
		s.deleteLocked(k)
		return nil
	case c.Gen < u.base:
		return nil // c was read before the set was made: it cannot stand for it
	}
	return u
}

// hold keeps u, replacing the set held for its connection, and starts the background retry.
// It reports false when the bound is reached.
func (s *unwrittenSets) hold(u *unwrittenSet) bool {
	k := unwrittenKey(u.key, u.next.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; !ok && len(s.m) >= maxUnwritten {
		return false
	}
	if s.m == nil {
		s.m = make(map[string]*unwrittenSet)
	}
	s.m[k] = u
	s.n.Store(int64(len(s.m)))
	if !s.running && !s.closed && s.loop != nil {
		s.running = true
		s.wg.Go(func() { s.loop(s.ctx) })
	}
	return true
}

// written forgets the set held for u's connection once the generation u was refreshed from is
// no longer what Redis holds (u, or a set made from it, was written; or other tokens won).
func (s *unwrittenSets) written(u *unwrittenSet) {
	k := unwrittenKey(u.key, u.next.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.m[k]; cur != nil && cur.base <= u.base {
		s.deleteLocked(k)
	}
}

// drop forgets u itself (its refresh token was refused), not a newer set that replaced it.
func (s *unwrittenSets) drop(u *unwrittenSet) {
	k := unwrittenKey(u.key, u.next.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[k] == u {
		s.deleteLocked(k)
	}
}

func (s *unwrittenSets) deleteLocked(k string) {
	delete(s.m, k)
	s.n.Store(int64(len(s.m)))
}

// backOff records, on the held set u, a transient failure to refresh from it and when to try
// again: it is not written anywhere until u is.
func (s *unwrittenSets) backOff(u *unwrittenSet, reason string, next, now time.Time) storedConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.next.RefreshFailures++
	u.next.LastRefreshError, u.next.NextRefreshAt, u.next.UpdatedAt = reason, next, now
	return u.next
}

// current returns the connection u stands for, copied under the lock.
func (s *unwrittenSets) current(u *unwrittenSet) storedConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return u.next
}

// latest returns the set held now for u's connection (u, or a newer one), or nil.
func (s *unwrittenSets) latest(u *unwrittenSet) *unwrittenSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[unwrittenKey(u.key, u.next.ID)]
}

// all lists the held sets.
func (s *unwrittenSets) all() []*unwrittenSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*unwrittenSet, 0, len(s.m))
	for _, u := range s.m {
		out = append(out, u)
	}
	return out
}

// idle ends the background loop when no set is left (or the vault closed). It reports whether
// the loop must end.
func (s *unwrittenSets) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) == 0 || s.closed {
		s.running = false
		return true
	}
	return false
}

// close stops the background loop and waits for it. Sets still held stay held (fetches go on
// being served from them) but are no longer retried in the background. It returns how many are
// held.
func (s *unwrittenSets) close() int {
	s.mu.Lock()
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return int(s.n.Load())
}

// overlaid returns c, or the connection the set held for it stands for.
func (v *Vault) overlaid(appID string, owner outbound.Owner, c *storedConn) *storedConn {
	if v.unwritten.n.Load() == 0 || c.Status != StatusActive {
		return c
	}
	u := v.unwritten.get(v.tokensKey(appID, owner), c)
	if u == nil {
		return c
	}
	next := v.unwritten.current(u)
	return &next
}

// takeHeld returns the connection the set held for c stands for, and forgets the set, or c when
// none is held: a disconnect revokes the newest tokens, which may be held rather than stored.
func (v *Vault) takeHeld(appID string, owner outbound.Owner, c *storedConn) *storedConn {
	if v.unwritten.n.Load() == 0 {
		return c
	}
	u := v.unwritten.get(v.tokensKey(appID, owner), c)
	if u == nil {
		return c
	}
	v.unwritten.drop(u)
	next := v.unwritten.current(u)
	return &next
}
