package sandbox

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"
)

// DecisionFor makes the decision for each authorization request with f, overriding
// Config.Decision; f returns DecisionAsk, DecisionApprove or DecisionDeny. It lets one provider
// approve some requests and deny others (for example by r.URL.Query().Get("scope")). f sees only
// requests fosite has already found valid. Passing nil restores Config.Decision. A test and demo
// control; safe to call while serving.
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
// URI, response type, scopes, PKCE, state), then the request is approved, denied or shown to the
// person on the consent page.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, err := p.oauth.NewAuthorizeRequest(r.Context(), r)
	if err != nil {
		p.writeAuthorizeError(w, r, ar, err)
		return
	}
	decision, err := p.decide(r)
	if err != nil {
		p.log.ErrorContext(r.Context(), "sandbox provider: bad decision function", "err", err)
		p.renderProblem(w, http.StatusInternalServerError, "The sandbox provider is misconfigured", err.Error())
		return
	}
	if decision == DecisionAsk && ar.GetRequestForm().Get("prompt") == "none" {
		// OpenID Connect: the client asked for no page, and one would be needed.
		p.oauth.WriteAuthorizeError(r.Context(), w, ar, fosite.ErrConsentRequired)
		return
	}
	p.finish(w, r, ar, decision)
}

// serveConsentDecision receives the consent page's form: the original query, a CSRF token and
// the button that was pressed. The original request is validated by fosite again, exactly as if
// it had just arrived.
func (p *Provider) serveConsentDecision(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		p.renderProblem(w, http.StatusBadRequest, "The consent form could not be read", "The form sent to the sandbox provider was malformed or too large.")
		return
	}
	query := r.PostForm.Get("query")
	if !p.validConsentToken(r, query, r.PostForm.Get("csrf_token")) {
		p.log.DebugContext(r.Context(), "sandbox provider: consent form refused: bad or missing CSRF token")
		p.renderProblem(w, http.StatusForbidden, "This consent form is not valid",
			"It was not sent from a consent page this sandbox provider showed in this browser, or it has expired.")
		return
	}
	decision := r.PostForm.Get("decision")
	if decision != DecisionApprove && decision != DecisionDeny {
		p.renderProblem(w, http.StatusBadRequest, "No choice was made", `Press "Approve" or "Deny" on the consent page.`)
		return
	}
	orig := authorizeRequestFrom(r, query)
	ar, err := p.oauth.NewAuthorizeRequest(orig.Context(), orig)
	if err != nil {
		p.writeAuthorizeError(w, orig, ar, err)
		return
	}
	p.finish(w, orig, ar, decision)
}

// authorizeRequestFrom rebuilds the GET authorization request whose query the consent form
// carried, so that fosite sees neither the form fields nor the POST.
func authorizeRequestFrom(r *http.Request, rawQuery string) *http.Request {
	orig := r.Clone(r.Context())
	u := *r.URL
	u.RawQuery = rawQuery
	orig.URL = &u
	orig.Method = http.MethodGet
	orig.Body = http.NoBody
	orig.ContentLength = 0
	orig.Header.Del("Content-Type")
	orig.Form, orig.PostForm, orig.MultipartForm = nil, nil, nil
	return orig
}

func (p *Provider) finish(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, decision string) {
	switch decision {
	case DecisionApprove:
		p.approve(w, r, ar)
	case DecisionDeny:
		p.log.DebugContext(r.Context(), "sandbox provider: authorization denied", "client", ar.GetClient().GetID())
		p.oauth.WriteAuthorizeError(r.Context(), w, ar, fosite.ErrAccessDenied.WithHint("The sandbox user denied the request."))
	default:
		p.renderConsent(w, r, ar)
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
// and otherwise explains it to the person on an HTML page (never redirecting to an unknown URI).
func (p *Provider) writeAuthorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	p.log.DebugContext(r.Context(), "sandbox provider: authorization request refused", "error", rfc.ErrorField, "hint", rfc.GetDescription())
	if ar != nil && ar.IsRedirectURIValid() {
		p.oauth.WriteAuthorizeError(r.Context(), w, ar, err)
		return
	}
	status := rfc.CodeField
	if status < 400 {
		status = http.StatusBadRequest
	}
	p.renderProblem(w, status, "The app sent an invalid request", rfc.GetDescription())
}

// newSession is the signed-in sandbox user's session: the subject of tokens and ID tokens.
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
