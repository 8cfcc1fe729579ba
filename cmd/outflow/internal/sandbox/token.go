package sandbox

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Stats counts what the token and revocation endpoints did since New.
type Stats struct {
	// AuthorizationCodeGrants is the number of codes successfully exchanged for tokens.
	AuthorizationCodeGrants uint64
	// RefreshGrants is the number of successful refresh token grants.
	RefreshGrants uint64
	// RefreshFailures is the number of refresh token grants the provider refused: expired, revoked or
	// reused tokens, a wrong client, and so on. Requests refused while down count as Unavailable.
	RefreshFailures uint64
	// Revocations is the number of revocation requests accepted; as RFC 7009 requires, that
	// includes requests for tokens that were unknown or already revoked.
	Revocations uint64
	// Unavailable is the number of token requests answered 503 because of SetDown(true).
	Unavailable uint64
}

type counters struct {
	codeGrants, refreshGrants, refreshFailures, revocations, unavailable atomic.Uint64
}

// Stats returns the provider's counters. A test and demo control.
func (p *Provider) Stats() Stats {
	return Stats{
		AuthorizationCodeGrants: p.stats.codeGrants.Load(),
		RefreshGrants:           p.stats.refreshGrants.Load(),
		RefreshFailures:         p.stats.refreshFailures.Load(),
		Revocations:             p.stats.revocations.Load(),
		Unavailable:             p.stats.unavailable.Load(),
	}
}

// SetDown simulates a provider outage: while down, the token endpoint answers every request with
// 503 and {"error":"temporarily_unavailable"} without looking at it, so no token changes. Other
// endpoints keep working. A test and demo control.
func (p *Provider) SetDown(down bool) { p.down.Store(down) }

// OmitExpiresIn makes token responses leave out expires_in (which RFC 6749 only recommends), as
// some real providers do. The tokens still expire on time. A test and
// demo control.
func (p *Provider) OmitExpiresIn(omit bool) { p.omitExpiresIn.Store(omit) }

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if p.down.Load() {
		p.stats.unavailable.Add(1)
		writeJSON(w, http.StatusServiceUnavailable, oauthError{
			Error:       "temporarily_unavailable",
			Description: "The sandbox provider is simulating an outage. Try again later.",
		})
		return
	}
	grantType, out, err := p.grant(w, r)
	if err != nil {
		if grantType == "refresh_token" {
			p.stats.refreshFailures.Add(1)
		}
		p.logRefused(ctx, "token request", err)
		writeOAuthError(w, r, err)
		return
	}
	switch grantType {
	case "authorization_code":
		p.stats.codeGrants.Add(1)
	case "refresh_token":
		p.stats.refreshGrants.Add(1)
	}
	body := map[string]any{"access_token": out.access, "token_type": "bearer", "scope": strings.Join(out.scopes, " ")}
	if !p.omitExpiresIn.Load() {
		body["expires_in"] = int64(out.expiresIn / time.Second)
	}
	if out.refresh != "" {
		body["refresh_token"] = out.refresh
	}
	if out.idToken != "" {
		body["id_token"] = out.idToken
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, body)
}

// grant runs one token request, atomically with respect to every other request that reads or
// writes tokens. It returns the grant type it handled.
func (p *Provider) grant(w http.ResponseWriter, r *http.Request) (string, issued, *rfcError) {
	c, err := p.authenticateClient(w, r)
	grantType := r.PostForm.Get("grant_type")
	if err != nil {
		return grantType, issued{}, err
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep(now)
	switch grantType {
	case "authorization_code":
		out, err := p.exchangeCode(c, r.PostForm, now)
		return grantType, out, err
	case "refresh_token":
		out, err := p.refresh(c, r.PostForm, now)
		return grantType, out, err
	case "":
		return grantType, issued{}, invalidRequest("The grant_type parameter is missing.")
	}
	return grantType, issued{}, &rfcError{code: "unsupported_grant_type", description: "Only authorization_code and refresh_token are supported.", status: http.StatusBadRequest}
}

var pkceVerifierFormat = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// exchangeCode redeems an authorization code (RFC 6749 section 4.1.3, RFC 7636 section 4.6).
// Callers hold p.mu.
func (p *Provider) exchangeCode(c *registeredClient, form url.Values, now time.Time) (issued, *rfcError) {
	if form.Get("code") == "" {
		return issued{}, invalidRequest("The code parameter is missing.")
	}
	code, ok := p.codes[digestOf(form.Get("code"))]
	if !ok || code.clientID != c.id || !now.Before(code.expires) {
		return issued{}, invalidGrant("The authorization code is unknown, expired, or was issued to another client.")
	}
	if code.used {
		// A replayed code may have been stolen: the grant it was exchanged for ends too.
		if g, ok := p.grants[code.grantID]; ok {
			p.revokeGrant(g)
		}
		return issued{}, invalidGrant("The authorization code has already been used.")
	}
	verifier := form.Get("code_verifier")
	if verifier == "" {
		return issued{}, invalidRequest("PKCE is required: send the code_verifier.")
	}
	code.used = true // a wrong verifier burns the code, so verifiers cannot be guessed
	sum := sha256.Sum256([]byte(verifier))
	computed := base64.RawURLEncoding.EncodeToString(sum[:])
	if !pkceVerifierFormat.MatchString(verifier) || subtle.ConstantTimeCompare([]byte(computed), []byte(code.challenge)) != 1 {
		return issued{}, invalidGrant("The code_verifier does not match the code_challenge.")
	}
	if code.redirectURI != "" && form.Get("redirect_uri") != code.redirectURI {
		return issued{}, invalidGrant("The redirect_uri differs from the one of the authorization request.")
	}
	out, err := p.newGrant(code, now)
	if err != nil {
		return issued{}, &rfcError{code: "server_error", description: "The ID token could not be signed.", status: http.StatusInternalServerError}
	}
	return out, nil
}

// refresh rotates a grant's tokens (RFC 6749 section 6). A refresh token that was already
// rotated is taken as stolen: the whole grant is revoked. Callers hold p.mu.
func (p *Provider) refresh(c *registeredClient, form url.Values, now time.Time) (issued, *rfcError) {
	if form.Get("refresh_token") == "" {
		return issued{}, invalidRequest("The refresh_token parameter is missing.")
	}
	e, g, ok := p.lookup(form.Get("refresh_token"))
	if !ok || e.use != refreshToken || g.clientID != c.id {
		return issued{}, invalidGrant("The refresh token is unknown or was issued to another client.")
	}
	if e.rotated && !g.revoked {
		p.revokeGrant(g)
		return issued{}, invalidGrant("The refresh token was already used; the grant is revoked as a precaution.")
	}
	if g.revoked || e.rotated || !now.Before(e.expires) {
		return issued{}, invalidGrant("The refresh token is expired or revoked.")
	}
	scopes := g.scopes
	if s := form.Get("scope"); s != "" {
		scopes = strings.Fields(s)
		for _, sc := range scopes {
			if !slices.Contains(g.scopes, sc) {
				return issued{}, &rfcError{code: "invalid_scope", description: "A refresh may only narrow the scopes of the grant.", status: http.StatusBadRequest}
			}
		}
	}
	return p.issueTokens(g, scopes, now), nil
}

// authenticateClient reads the form and identifies the client: HTTP basic (client_secret_basic),
// client_id and client_secret in the form (client_secret_post), or client_id alone for a public
// client (RFC 6749 section 2.3.1).
func (p *Provider) authenticateClient(w http.ResponseWriter, r *http.Request) (*registeredClient, *rfcError) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("The form could not be read.")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return nil, invalidRequest("The parameter " + k + " is repeated.")
		}
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		if r.PostForm.Has("client_secret") {
			return nil, invalidRequest("Use one client authentication method, not two.")
		}
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, invalidRequest("The HTTP basic credentials are not form-encoded.")
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := p.client(id)
	if !ok || (!c.public && !c.secretMatches(secret)) {
		return nil, &rfcError{code: "invalid_client", description: "Client authentication failed.", status: http.StatusUnauthorized}
	}
	return c, nil
}

// serveRevoke is the RFC 7009 endpoint. Revoking either token of a grant revokes the grant's
// refresh token and access token together.
func (p *Provider) serveRevoke(w http.ResponseWriter, r *http.Request) {
	c, err := p.authenticateClient(w, r)
	if err == nil {
		err = p.revoke(c, r.PostForm.Get("token"))
	}
	if err != nil {
		p.logRefused(r.Context(), "revocation request", err)
		writeOAuthError(w, r, err)
		return
	}
	p.stats.revocations.Add(1)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (p *Provider) revoke(c *registeredClient, token string) *rfcError {
	if token == "" {
		return invalidRequest("The token parameter is missing.")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, g, ok := p.lookup(token)
	if !ok {
		return nil // RFC 7009 section 2.2: an invalid token is not an error
	}
	if g.clientID != c.id {
		return &rfcError{code: "unauthorized_client", description: "The token was issued to another client.", status: http.StatusBadRequest}
	}
	p.revokeGrant(g)
	return nil
}

// serveIntrospect is the RFC 7662 endpoint. The caller authenticates as a confidential client
// (HTTP basic or the form) or with another active access token (Bearer).
func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token, err := p.authorizeIntrospection(w, r)
	if err != nil {
		p.logRefused(ctx, "introspection request", err)
		writeOAuthError(w, r, err)
		return
	}
	info, ok := p.active(token, time.Now())
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "scope": strings.Join(info.scopes, " "), "client_id": info.clientID,
		"sub": info.subject, "iss": p.Issuer(), "exp": info.expires.Unix(), "iat": info.issued.Unix(),
		"token_use": string(info.use),
	})
}

func (p *Provider) authorizeIntrospection(w http.ResponseWriter, r *http.Request) (string, *rfcError) {
	if bearer, ok := bearerToken(r); ok {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			return "", invalidRequest("The form could not be read.")
		}
		token := r.PostForm.Get("token")
		if info, ok := p.active(bearer, time.Now()); !ok || info.use != accessToken || bearer == token {
			return "", &rfcError{code: "request_unauthorized", description: "The bearer token is not an active access token, or is the token to introspect.", status: http.StatusUnauthorized}
		}
		return requireToken(token)
	}
	c, err := p.authenticateClient(w, r)
	if err != nil {
		return "", err
	}
	if c.public {
		return "", &rfcError{code: "invalid_client", description: "A public client may not introspect tokens.", status: http.StatusUnauthorized}
	}
	return requireToken(r.PostForm.Get("token"))
}

func requireToken(token string) (string, *rfcError) {
	if token == "" {
		return "", invalidRequest("The token parameter is missing.")
	}
	return token, nil
}

// logRefused records why a request was refused: the RFC 6749 error code and a description,
// which never contain tokens or secrets.
func (p *Provider) logRefused(ctx context.Context, what string, err *rfcError) {
	p.log.DebugContext(ctx, "sandbox provider: "+what+" refused", "error", err.code, "hint", err.description)
}
