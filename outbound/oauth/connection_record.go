package oauth

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// maxConnectionsPerGrant bounds the connections one owner keeps for one app (several accounts or
// scope sets). A new one past the bound replaces the least recently connected one.
const maxConnectionsPerGrant = 25

// grantRecord is everything one owner holds for one app, stored as one versioned record under
// Keys.Tokens(kind, id, app): a fetch reads it in one round trip, and every change to it is a
// compare-and-set on its revision.
type grantRecord struct {
	V     int            `json:"v"`
	AppID string         `json:"appId"`
	Owner outbound.Owner `json:"owner"`
	Conns []storedConn   `json:"connections"`

	rev int64
}

// storedConn is a connection as stored: its public fields plus its sealed tokens.
type storedConn struct {
	Connection
	// Access and Refresh are sealed with associated data naming the app, the owner, the
	// connection and the field (see tokenAAD), so a sealed token copied to another owner,
	// connection or field does not open.
	Access  string `json:"accessTokenSealed"`
	Refresh string `json:"refreshTokenSealed,omitempty"`
	// SealV is the associated-data scheme of Access and Refresh: sealBound, or 0 for tokens
	// sealed before owners were bound (they open with the connection id alone until Reseal
	// seals them again).
	SealV int `json:"sealVersion,omitempty"`
	// Gen grows by one every time the tokens change (a refresh, a reconnect, an import). A
	// refresher compares it to tell that someone else refreshed in the meantime.
	Gen int64 `json:"gen"`
	// IssuedAt is when the current access token was obtained; with ExpiresAt it gives the
	// token's lifetime, which caps the refresh margin.
	IssuedAt time.Time `json:"issuedAt"`
}

func (r *grantRecord) find(id string) int {
	return slices.IndexFunc(r.Conns, func(c storedConn) bool { return c.ID == id })
}

// grantRecordVersion is the format of grantRecord written now: 2, in which each connection
// records how its tokens are sealed (storedConn.SealV).
const grantRecordVersion = 2

func (r *grantRecord) encode() ([]byte, error) {
	r.V = grantRecordVersion
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode connections of app %q: %w", r.AppID, err)
	}
	return b, nil
}

// decodeGrant reads a stored record. appID and owner, when set, are whose record it is (the key
// it was read from): a record naming anyone else is taken as theirs, so a record copied under
// another owner's key cannot make that owner's tokens open.
func decodeGrant(rec store.Record, appID string, owner outbound.Owner) (*grantRecord, error) {
	var g grantRecord
	if err := json.Unmarshal(rec.Data, &g); err != nil {
		return nil, fmt.Errorf("decode stored connections: %w", err)
	}
	g.rev = rec.Rev
	if appID != "" && g.AppID != appID {
		g.AppID = appID
	}
	if owner.ID() != "" && (g.Owner.Kind() != owner.Kind() || g.Owner.ID() != owner.ID()) {
		g.Owner = owner
	}
	for i := range g.Conns {
		c := &g.Conns[i].Connection
		c.AppID, c.Owner = g.AppID, g.Owner
	}
	return &g, nil
}

// decodedCache keeps the last decoded form of token records, keyed by record key and checked
// against the stored bytes, so a fetch of an unchanged record skips JSON decoding. It holds only
// what Redis holds (tokens sealed). Bounded: it starts over when full.
type decodedCache struct {
	mu sync.RWMutex
	m  map[string]decodedEntry
}

type decodedEntry struct {
	data string
	g    *grantRecord
}

const decodedCacheMax = 4096

func (d *decodedCache) get(key string, data []byte) *grantRecord {
	d.mu.RLock()
	e, ok := d.m[key]
	d.mu.RUnlock()
	if ok && e.data == string(data) {
		return e.g
	}
	return nil
}

func (d *decodedCache) put(key string, data []byte, g *grantRecord) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= decodedCacheMax {
		d.m = make(map[string]decodedEntry)
	}
	d.m[key] = decodedEntry{data: string(data), g: g}
}

// fresh reports whether c's access token is valid beyond the refresh margin at now. The margin
// is at most half the token's lifetime, so a provider whose tokens live shorter than the margin
// is not asked for a new token on every fetch.
func (c *storedConn) fresh(now time.Time, margin time.Duration) bool {
	if life := c.ExpiresAt.Sub(c.IssuedAt); !c.IssuedAt.IsZero() && life > 0 && margin > life/2 {
		margin = life / 2
	}
	return now.Before(c.ExpiresAt.Add(-margin))
}

// expired reports whether c's access token is expired at now.
func (c *storedConn) expired(now time.Time) bool { return !now.Before(c.ExpiresAt) }
