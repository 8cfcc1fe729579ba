//go:build fosite

package fositepeer

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
)

// Stats counts what the token and revocation endpoints did since New, as for the sandbox
// provider; RefreshFailures counts the refresh token grants fosite refused.
type Stats = sandbox.Stats

type counters struct {
	codeGrants, refreshGrants, refreshFailures, revocations, unavailable atomic.Uint64
}

// Stats returns the provider's counters.
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
// endpoints keep working.
func (p *Provider) SetDown(down bool) { p.down.Store(down) }

// OmitExpiresIn makes token responses leave out expires_in (which RFC 6749 only recommends), as
// some real providers do. The tokens still come from fosite and still expire on time.
func (p *Provider) OmitExpiresIn(omit bool) { p.omitExpiresIn.Store(omit) }

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if p.down.Load() {
		p.stats.unavailable.Add(1)
		writeJSON(w, http.StatusServiceUnavailable, oauthError{
			Error:       "temporarily_unavailable",
			Description: "The provider is simulating an outage. Try again later.",
		})
		return
	}
	ar, resp, err := p.grant(ctx, r)
	if err != nil {
		if r.PostForm.Get("grant_type") == "refresh_token" {
			p.stats.refreshFailures.Add(1)
		}
		p.logRefused(ctx, "token request", err)
		p.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	switch {
	case ar.GetGrantTypes().ExactOne("authorization_code"):
		p.stats.codeGrants.Add(1)
	case ar.GetGrantTypes().ExactOne("refresh_token"):
		p.stats.refreshGrants.Add(1)
	}
	if p.omitExpiresIn.Load() {
		if ext, ok := resp.(*fosite.AccessResponse); ok {
			delete(ext.Extra, "expires_in")
		}
	}
	p.oauth.WriteAccessResponse(ctx, w, ar, resp)
}

// grant runs one token request through fosite, atomically with respect to every other request
// that reads or writes tokens.
func (p *Provider) grant(ctx context.Context, r *http.Request) (fosite.AccessRequester, fosite.AccessResponder, error) {
	p.grantMu.Lock()
	defer p.grantMu.Unlock()
	ar, err := p.oauth.NewAccessRequest(ctx, r, &openid.DefaultSession{})
	if err != nil {
		return ar, nil, err
	}
	resp, err := p.oauth.NewAccessResponse(ctx, ar)
	return ar, resp, err
}

// serveRevoke is the RFC 7009 endpoint. Revoking either token of a grant revokes the grant's
// refresh token and access token together.
func (p *Provider) serveRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p.grantMu.Lock()
	err := p.oauth.NewRevocationRequest(ctx, r)
	p.grantMu.Unlock()
	if err == nil {
		p.stats.revocations.Add(1)
	} else {
		p.logRefused(ctx, "revocation request", err)
	}
	p.oauth.WriteRevocationResponse(ctx, w, err)
}

// serveIntrospect is the RFC 7662 endpoint. The caller authenticates as a confidential client
// (HTTP basic) or with an active access token (Bearer).
func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p.grantMu.Lock()
	ir, err := p.oauth.NewIntrospectionRequest(ctx, r, &openid.DefaultSession{})
	p.grantMu.Unlock()
	if err != nil {
		p.logRefused(ctx, "introspection request", err)
		p.oauth.WriteIntrospectionError(ctx, w, err)
		return
	}
	p.oauth.WriteIntrospectionResponse(ctx, w, ir)
}

// logRefused records why fosite refused a request: the RFC 6749 error code and fosite's hint,
// which never contain tokens or secrets.
func (p *Provider) logRefused(ctx context.Context, what string, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	p.log.DebugContext(ctx, "fosite peer: "+what+" refused", "error", rfc.ErrorField, "hint", rfc.GetDescription())
}
