package outbound

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/outflowhq/outflow/store"
)

// maxConnectionsPerGrant bounds the connections one owner keeps for one app (several accounts or
// scope sets). A new one past the bound replaces the least recently connected one.
const maxConnectionsPerGrant = 25

// grantRecord is everything one owner holds for one app, stored as one versioned record under
// Keys.Tokens(kind, id, app): a fetch reads it in one round trip, and every change to it is a
// compare-and-set on its revision.
type grantRecord struct {
	V     int          `json:"v"`
	AppID string       `json:"appId"`
	Owner Owner        `json:"owner"`
	Conns []storedConn `json:"connections"`

	rev int64
}

// storedConn is a connection as stored: its public fields plus its sealed tokens.
type storedConn struct {
	Connection
	// Access and Refresh are sealed with associated data naming the connection and the field,
	// so a sealed token copied to another connection or field does not open.
	Access  string `json:"accessTokenSealed"`
	Refresh string `json:"refreshTokenSealed,omitempty"`
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

func (r *grantRecord) encode() ([]byte, error) {
	r.V = 1
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode connections of app %q: %w", r.AppID, err)
	}
	return b, nil
}

func decodeGrant(rec store.Record) (*grantRecord, error) {
	var g grantRecord
	if err := json.Unmarshal(rec.Data, &g); err != nil {
		return nil, fmt.Errorf("decode stored connections: %w", err)
	}
	g.rev = rec.Rev
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

// Token fields, used in the associated data of their sealed values.
const (
	fieldAccess  = "access_token"
	fieldRefresh = "refresh_token"
)

func tokenAAD(connID, field string) []byte {
	return []byte("outflow/connection/" + connID + "/" + field)
}

func (v *Vault) seal(connID, field, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	s, err := v.opts.Keyring.Seal([]byte(plain), tokenAAD(connID, field))
	if err != nil {
		return "", fmt.Errorf("seal %s of connection %q: %w", field, connID, err)
	}
	return s, nil
}

func (v *Vault) open(connID, field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := v.opts.Keyring.Open(sealed, tokenAAD(connID, field))
	if err != nil {
		return "", fmt.Errorf("open %s of connection %q: %w", field, connID, err)
	}
	return string(b), nil
}

// setTokens seals a new token pair into c. An empty refresh token keeps the stored one (RFC 6749
// section 6: a refresh response may omit it).
func (v *Vault) setTokens(c *storedConn, access, refresh string) error {
	a, err := v.seal(c.ID, fieldAccess, access)
	if err != nil {
		return err
	}
	c.Access = a
	if refresh != "" {
		r, err := v.seal(c.ID, fieldRefresh, refresh)
		if err != nil {
			return err
		}
		c.Refresh = r
	}
	c.HasRefreshToken = c.Refresh != ""
	c.Gen++
	return nil
}

// token opens c's tokens into a Token.
func (v *Vault) token(c *storedConn, withRefresh bool) (*Token, error) {
	at, err := v.open(c.ID, fieldAccess, c.Access)
	if err != nil {
		return nil, err
	}
	t := &Token{AccessToken: at, TokenType: c.TokenType, ExpiresAt: c.ExpiresAt, Scopes: slices.Clone(c.Scopes)}
	if withRefresh {
		if t.RefreshToken, err = v.open(c.ID, fieldRefresh, c.Refresh); err != nil {
			return nil, err
		}
	}
	return t, nil
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
