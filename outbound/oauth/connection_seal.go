package oauth

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/outflowhq/outflow/outbound"
)

// Token fields, used in the associated data of their sealed values.
const (
	fieldAccess  = "access_token"
	fieldRefresh = "refresh_token"
)

// sealBound is the storedConn.SealV of tokens sealed with associated data naming the app, the
// owner, the connection and the field.
const sealBound = 2

// tokenAAD is the associated data a token of c is sealed with: the app, the owner's kind and id,
// the connection and the field, each length-prefixed so no two tuples give the same bytes.
// Tokens sealed before owners were bound (SealV 0) name the connection and the field only.
func tokenAAD(c *storedConn, field string) []byte {
	if c.SealV < sealBound {
		return []byte("outflow/connection/" + c.ID + "/" + field)
	}
	b := make([]byte, 0, 96)
	b = append(b, "outflow/token/2"...)
	for _, s := range []string{c.AppID, c.Owner.Kind(), c.Owner.ID(), c.ID, field} {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return b
}

// seal seals a token of c under the bound scheme (c.SealV must be sealBound).
func (v *Vault) seal(c *storedConn, field, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	s, err := v.opts.Keyring.Seal([]byte(plain), tokenAAD(c, field))
	if err != nil {
		return "", fmt.Errorf("seal %s of connection %q: %w", field, c.ID, err)
	}
	return s, nil
}

// open opens a token of c, under c's scheme.
func (v *Vault) open(c *storedConn, field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := v.opts.Keyring.Open(sealed, tokenAAD(c, field))
	if err != nil {
		return "", fmt.Errorf("open %s of connection %q: %w", field, c.ID, err)
	}
	return string(b), nil
}

// setTokens seals a new token pair into c. An empty refresh token keeps the stored one (RFC 6749
// section 6: a refresh response may omit it), sealed again under the bound scheme if it was not.
func (v *Vault) setTokens(c *storedConn, access, refresh string) error {
	if refresh == "" && c.Refresh != "" && c.SealV < sealBound {
		kept, err := v.open(c, fieldRefresh, c.Refresh)
		if err != nil {
			return err
		}
		refresh = kept
	}
	c.SealV = sealBound
	a, err := v.seal(c, fieldAccess, access)
	if err != nil {
		return err
	}
	c.Access = a
	if refresh != "" {
		r, err := v.seal(c, fieldRefresh, refresh)
		if err != nil {
			return err
		}
		c.Refresh = r
	}
	c.HasRefreshToken = c.Refresh != ""
	c.Gen++
	return nil
}

// resealTokens seals c's tokens again under the keyring's active key and the bound scheme, when
// either is not what they are under. It reports whether it changed c.
func (v *Vault) resealTokens(c *storedConn) (bool, error) {
	kr := v.opts.Keyring
	stale := c.SealV < sealBound
	for _, s := range []string{c.Access, c.Refresh} {
		stale = stale || (s != "" && kr.NeedsReseal(s))
	}
	if !stale {
		return false, nil
	}
	access, err := v.open(c, fieldAccess, c.Access)
	if err != nil {
		return false, err
	}
	refresh, err := v.open(c, fieldRefresh, c.Refresh)
	if err != nil {
		return false, err
	}
	c.SealV = sealBound
	if c.Access, err = v.seal(c, fieldAccess, access); err != nil {
		return false, err
	}
	if c.Refresh, err = v.seal(c, fieldRefresh, refresh); err != nil {
		return false, err
	}
	return true, nil
}

// token opens c's tokens into a Token.
func (v *Vault) token(c *storedConn, withRefresh bool) (*Token, error) {
	at, err := v.open(c, fieldAccess, c.Access)
	if err != nil {
		return nil, err
	}
	t := &Token{AccessToken: at, TokenType: c.TokenType, ExpiresAt: c.ExpiresAt, Scopes: slices.Clone(c.Scopes)}
	if withRefresh {
		if t.RefreshToken, err = v.open(c, fieldRefresh, c.Refresh); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// readable reports, as a *SecretUnreadableError, whether a connection's stored tokens do not
// open: a write must not overwrite or drop them then.
func (v *Vault) readable(c *storedConn) error {
	for _, f := range []struct{ name, sealed string }{{fieldAccess, c.Access}, {fieldRefresh, c.Refresh}} {
		if _, err := v.open(c, f.name, f.sealed); err != nil {
			return outbound.Unreadable(v.opts.Keyring, fmt.Sprintf("%s of connection %q", f.name, c.ID), f.sealed, err)
		}
	}
	return nil
}
