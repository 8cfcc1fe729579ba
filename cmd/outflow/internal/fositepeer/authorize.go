//go:build fosite

package fositepeer

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"
)

// DecisionFor makes the decision for each authorization request with f, overriding
// Config.Decision; f returns DecisionApprove or DecisionDeny. It lets one provider
// approve some requests and deny others (for example by r.URL.Query().Get("scope")). f sees only
// requests fosite has already found valid. Passing nil restores Config.Decision. Safe to call
// while serving.
func (p *Provider) DecisionFor(f func(r *http.Request) string) {
	if f == nil {
		p.decideFor.Store(nil)
		return
	}
	p.decideFor.Store(&f)
}

func (p *Provider) decide(r *http.Request) (string, error) {
	f := p.decideFor.Load()
	if f == nil {
		return p.decision, nil
	}
	d := (*f)(r)
	if err := checkDecision(d); err != nil {
		return "", fmt.Errorf("DecisionFor: %w", err)
	}
	return d, nil
}

// serveAuthorize is the authorization endpoint: fosite validates the request (client, redirect
// URI, response type, scopes, PKCE, state), then the request is approved or denied at once.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, err := p.oauth.NewAuthorizeRequest(r.Context(), r)
	if err != nil {
		p.writeAuthorizeError(w, r, ar, err)
		return
	}
	decision, err := p.decide(r)
	if err != nil {
		p.log.ErrorContext(r.Context(), "fosite peer: bad decision function", "err", err)
		http.Error(w, "fosite peer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	p.finish(w, r, ar, decision)
}

func (p *Provider) finish(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, decision string) {
	switch decision {
	case DecisionApprove, "":
		p.approve(w, r, ar)
	case DecisionDeny:
		p.log.DebugContext(r.Context(), "fosite peer: authorization denied", "client", ar.GetClient().GetID())
		p.oauth.WriteAuthorizeError(r.Context(), w, ar, fosite.ErrAccessDenied.WithHint("The user denied the request."))
	}
}

// approve grants everything that was requested (fosite has already checked it against the
// client) and redirects back to the client with a code.
func (p *Provider) approve(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester) {
	for _, s := range ar.GetRequestedScopes() {
		ar.GrantScope(s)
	}
	for _, a := range ar.GetRequestedAudience() {
		ar.GrantAudience(a)
	}
	p.grantMu.Lock()
	resp, err := p.oauth.NewAuthorizeResponse(r.Context(), ar, p.newSession())
	p.grantMu.Unlock()
	if err != nil {
		p.writeAuthorizeError(w, r, ar, err)
		return
	}
	p.oauth.WriteAuthorizeResponse(r.Context(), w, ar, resp)
}

// writeAuthorizeError sends the error back to the client when fosite trusts the redirect URI,
// and otherwise answers it as plain text (never redirecting to an unknown URI).
func (p *Provider) writeAuthorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	p.log.DebugContext(r.Context(), "fosite peer: authorization request refused", "error", rfc.ErrorField, "hint", rfc.GetDescription())
	if ar != nil && ar.IsRedirectURIValid() {
		p.oauth.WriteAuthorizeError(r.Context(), w, ar, err)
		return
	}
	status := rfc.CodeField
	if status < 400 {
		status = http.StatusBadRequest
	}
	http.Error(w, "fosite peer: invalid authorization request: "+rfc.GetDescription(), status)
}

// newSession is the signed-in user's session: the subject of tokens and ID tokens.
func (p *Provider) newSession() *openid.DefaultSession {
	now := time.Now().UTC().Truncate(time.Second)
	return &openid.DefaultSession{
		Subject:  p.subject,
		Username: p.subject,
		Claims: &jwt.IDTokenClaims{
			Issuer:      p.Issuer(),
			Subject:     p.subject,
			AuthTime:    now,
			RequestedAt: now,
		},
		Headers: &jwt.Headers{Extra: map[string]any{"kid": p.keyID}},
	}
}
