package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Introspect reports whether token is an active access token or refresh token of this provider,
// and the scopes granted with it, asking the provider directly (no HTTP, no client
// authentication). An unknown, expired or revoked token is inactive with a nil error. A test and
// demo control.
func (p *Provider) Introspect(_ context.Context, token string) (active bool, scopes []string, err error) {
	info, ok := p.introspect(token)
	return ok, info.scopes, nil
}

// introspect describes token when it is active.
func (p *Provider) introspect(token string) (tokenInfo, bool) { return p.active(token, time.Now()) }

// me is the body of GET /api/me.
type me struct {
	Subject  string   `json:"sub"`
	Scopes   []string `json:"scopes"`
	ClientID string   `json:"clientId"`
}

// serveMe is a tiny protected resource: it answers whose access token it was given, so a demo
// can prove that a token it fetched from the vault works. Refresh tokens are refused.
func (p *Provider) serveMe(w http.ResponseWriter, r *http.Request) {
	token, ok := bearerToken(r)
	if !ok {
		writeUnauthorized(w, "", oauthError{Error: "invalid_request", Description: "Send an access token as Authorization: Bearer <token>."})
		return
	}
	info, ok := p.introspect(token)
	if !ok || info.use != accessToken {
		writeUnauthorized(w, "invalid_token", oauthError{Error: "invalid_token", Description: "The access token is unknown, expired or revoked."})
		return
	}
	writeJSON(w, http.StatusOK, me{
		Subject:  info.subject,
		Scopes:   info.scopes,
		ClientID: info.clientID,
	})
}

// APIKeyPrefix begins every API key the sandbox's API-key probe accepts.
//
// The probe (GET /api/keys/check with Authorization: Bearer <key>) accepts any key made of
// APIKeyPrefix followed by at least 24 ASCII letters or digits, e.g.
// "sk-sandbox-abcdefghijklmnopqrstuvwx", so a newcomer can type one by hand; MintAPIKey returns a
// fresh one, and RevokeAPIKey makes one fail from then on.
const APIKeyPrefix = "sk-sandbox-"

var apiKeyFormat = regexp.MustCompile(`^sk-sandbox-[A-Za-z0-9]{24,}$`)

// MintAPIKey returns a new API key the probe accepts: APIKeyPrefix and 26 random characters.
func (p *Provider) MintAPIKey() string { return APIKeyPrefix + rand.Text() }

// RevokeAPIKey makes the probe reject key from now on, as a service does with a deleted key
// (for rotation and connection-health tests). A test and demo control.
func (p *Provider) RevokeAPIKey(key string) {
	p.keysMu.Lock()
	defer p.keysMu.Unlock()
	p.revokedKeys[sha256.Sum256([]byte(key))] = struct{}{}
}

func (p *Provider) validAPIKey(key string) bool {
	if !apiKeyFormat.MatchString(key) {
		return false
	}
	p.keysMu.Lock()
	defer p.keysMu.Unlock()
	_, revoked := p.revokedKeys[sha256.Sum256([]byte(key))]
	return !revoked
}

// keyCheck is the body of GET /api/keys/check.
type keyCheck struct {
	OK          bool   `json:"ok"`
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"`
}

func (p *Provider) serveKeyCheck(w http.ResponseWriter, r *http.Request) {
	key, ok := bearerToken(r)
	if !ok {
		writeUnauthorized(w, "", keyCheck{Error: "invalid_request", Description: "Send the API key as Authorization: Bearer <key>."})
		return
	}
	if !p.validAPIKey(key) {
		writeUnauthorized(w, "invalid_token", keyCheck{Error: "invalid_api_key",
			Description: `The API key is not valid: use "` + APIKeyPrefix + `" followed by at least 24 letters or digits, and not a revoked key.`})
		return
	}
	writeJSON(w, http.StatusOK, keyCheck{OK: true})
}

// bearerToken returns the credential of an "Authorization: Bearer <credential>" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return "", false
	}
	return cred, true
}
