package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"slices"
	"time"
)

// The sandbox keeps its grants in memory, guarded by Provider.mu. Tokens and codes are stored
// only as SHA-256 digests: a dump of the provider's memory does not hand them out.

// tokenUse tells an access token from a refresh token.
type tokenUse string

const (
	accessToken  tokenUse = "access_token"
	refreshToken tokenUse = "refresh_token"
)

const authorizationCodeLifespan = 10 * time.Minute

// digest is how codes and tokens are indexed.
type digest [32]byte

func digestOf(s string) digest { return sha256.Sum256([]byte(s)) }

// newSecret returns a fresh code or token: a kind prefix and 130 random bits.
func newSecret(prefix string) string { return prefix + rand.Text() }

// authCode is an authorization code the sandbox issued: what was approved, for which client and
// redirect URI, bound to the PKCE challenge. It stays known after use so a replay is recognised.
type authCode struct {
	clientID    string
	redirectURI string // as sent in the authorization request; empty when it was left out
	scopes      []string
	challenge   string
	nonce       string
	expires     time.Time
	used        bool
	grantID     string // the grant it was exchanged for
}

// grant is one consent turned into tokens: it lives until it is revoked or its refresh token
// expires. It has one current access token and at most one current refresh token.
type grant struct {
	id       string
	clientID string
	subject  string
	scopes   []string
	revoked  bool
	access   digest
	refresh  digest
	hasRT    bool
}

// tokenEntry is what a token digest points at. A rotated refresh token keeps its entry with
// rotated set, so that presenting it again is recognised as a replay.
type tokenEntry struct {
	use     tokenUse
	grantID string
	scopes  []string
	issued  time.Time
	expires time.Time
	rotated bool
}

// tokenInfo describes an active token.
type tokenInfo struct {
	use      tokenUse
	clientID string
	subject  string
	scopes   []string
	issued   time.Time
	expires  time.Time
}

// issued is a token response before it is written.
type issued struct {
	access, refresh, idToken string
	expiresIn                time.Duration
	scopes                   []string
}

// newGrant records a grant for an exchanged code and issues its first tokens. Callers hold p.mu.
func (p *Provider) newGrant(c *authCode, now time.Time) (issued, error) {
	g := &grant{id: rand.Text(), clientID: c.clientID, subject: p.currentSubject(), scopes: slices.Clone(c.scopes)}
	p.grants[g.id] = g
	c.used, c.grantID = true, g.id
	out := p.issueTokens(g, g.scopes, now)
	if slices.Contains(g.scopes, "openid") {
		id, err := p.signIDToken(g, c.nonce, now)
		if err != nil {
			return issued{}, err
		}
		out.idToken = id
	}
	return out, nil
}

// issueTokens retires the grant's current tokens and issues new ones: an access token for scopes
// and, when the grant holds offline or offline_access, a new refresh token. Callers hold p.mu.
func (p *Provider) issueTokens(g *grant, scopes []string, now time.Time) issued {
	delete(p.tokens, g.access)
	if g.hasRT {
		if e, ok := p.tokens[g.refresh]; ok {
			e.rotated = true
		}
	}
	out := issued{access: newSecret("sbx_at_"), expiresIn: p.accessLifespan, scopes: slices.Clone(scopes)}
	g.access = digestOf(out.access)
	p.tokens[g.access] = &tokenEntry{use: accessToken, grantID: g.id, scopes: out.scopes, issued: now, expires: now.Add(p.accessLifespan)}
	g.hasRT = slices.Contains(g.scopes, "offline") || slices.Contains(g.scopes, "offline_access")
	if g.hasRT {
		out.refresh = newSecret("sbx_rt_")
		g.refresh = digestOf(out.refresh)
		p.tokens[g.refresh] = &tokenEntry{use: refreshToken, grantID: g.id, scopes: g.scopes, issued: now, expires: now.Add(p.refreshLifespan)}
	}
	return out
}

// revokeGrant ends a grant: its current access and refresh tokens stop working, and so does every
// refresh token it rotated through. Callers hold p.mu.
func (p *Provider) revokeGrant(g *grant) {
	g.revoked = true
	delete(p.tokens, g.access)
	if e, ok := p.tokens[g.refresh]; ok && g.hasRT {
		e.rotated = true
	}
}

// lookup returns the token's entry and grant when the token is known and not retired; the grant
// may be revoked or the token expired, which the caller checks. Callers hold p.mu.
func (p *Provider) lookup(token string) (*tokenEntry, *grant, bool) {
	e, ok := p.tokens[digestOf(token)]
	if !ok {
		return nil, nil, false
	}
	return e, p.grants[e.grantID], true
}

// active returns what token grants when it is an active token of this provider.
func (p *Provider) active(token string, now time.Time) (tokenInfo, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, g, ok := p.lookup(token)
	if !ok || e.rotated || g.revoked || !now.Before(e.expires) {
		return tokenInfo{}, false
	}
	return tokenInfo{use: e.use, clientID: g.clientID, subject: g.subject, scopes: slices.Clone(e.scopes), issued: e.issued, expires: e.expires}, true
}

// sweep forgets codes and grants that can no longer be used, so a long-running demo does not
// grow without end. Callers hold p.mu.
func (p *Provider) sweep(now time.Time) {
	if now.Before(p.nextSweep) {
		return
	}
	p.nextSweep = now.Add(time.Minute)
	for k, c := range p.codes {
		if now.After(c.expires) {
			delete(p.codes, k)
		}
	}
	for k, e := range p.tokens {
		if now.After(e.expires) {
			delete(p.tokens, k)
		}
	}
	live := make(map[string]bool, len(p.grants))
	for _, e := range p.tokens {
		live[e.grantID] = true
	}
	for _, c := range p.codes {
		live[c.grantID] = true
	}
	for id := range p.grants {
		if !live[id] {
			delete(p.grants, id)
		}
	}
}
