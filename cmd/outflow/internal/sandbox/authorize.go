package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// SignIn makes s the signed-in sandbox user: the consents given from now on are s's (the sub of
// their tokens and ID tokens). An empty s goes back to Config.Subject. Tests use it to consent
// with another provider account.
func (p *Provider) SignIn(s string) {
	if s == "" {
		p.signedIn.Store(nil)
		return
	}
	p.signedIn.Store(&s)
}

func (p *Provider) currentSubject() string {
	if s := p.signedIn.Load(); s != nil {
		return *s
	}
	return p.subject
}

// DecisionFor makes the decision for each authorization request with f, overriding
// Config.Decision; f returns DecisionAsk, DecisionApprove or DecisionDeny. It lets one provider
// approve some requests and deny others (for example by r.URL.Query().Get("scope")). f sees only
// requests the provider has already found valid. Passing nil restores Config.Decision. A test and demo
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

// serveAuthorize is the authorization endpoint: the request is validated (client, redirect URI,
// response type, scopes, PKCE, state), then approved, denied or shown to the person on the
// consent page.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, rerr := p.parseAuthorize(r)
	if rerr != nil {
		p.writeAuthorizeError(w, r, ar, rerr)
		return
	}
	decision, err := p.decide(r)
	if err != nil {
		p.log.ErrorContext(r.Context(), "sandbox provider: bad decision function", "err", err)
		p.renderProblem(w, http.StatusInternalServerError, "The sandbox provider is misconfigured", err.Error())
		return
	}
	if decision == DecisionAsk && ar.prompt == "none" {
		// OpenID Connect: the client asked for no page, and one would be needed.
		p.writeAuthorizeError(w, r, ar, errConsentRequired)
		return
	}
	p.finish(w, r, ar, decision)
}

// serveConsentDecision receives the consent page's form: the original query, a CSRF token and
// the button that was pressed. The original request is validated again, exactly as if it had
// just arrived.
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
	ar, rerr := p.parseAuthorize(orig)
	if rerr != nil {
		p.writeAuthorizeError(w, orig, ar, rerr)
		return
	}
	p.finish(w, orig, ar, decision)
}

// authorizeRequestFrom rebuilds the GET authorization request whose query the consent form
// carried, so that its validation sees neither the form fields nor the POST.
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

func (p *Provider) finish(w http.ResponseWriter, r *http.Request, ar *authorizeRequest, decision string) {
	switch decision {
	case DecisionApprove:
		p.approve(w, r, ar)
	case DecisionDeny:
		p.log.DebugContext(r.Context(), "sandbox provider: authorization denied", "client", ar.client.id)
		p.writeAuthorizeError(w, r, ar, errAccessDenied)
	default:
		p.renderConsent(w, r, ar)
	}
}

// approve grants everything that was requested (already checked against the client) and
// redirects back to the client with a single-use code bound to the PKCE challenge.
func (p *Provider) approve(w http.ResponseWriter, r *http.Request, ar *authorizeRequest) {
	code := newSecret("sbx_ac_")
	now := time.Now()
	p.mu.Lock()
	p.sweep(now)
	p.codes[digestOf(code)] = &authCode{
		clientID: ar.client.id, redirectURI: ar.sentRedirect, scopes: ar.scopes,
		challenge: ar.challenge, nonce: ar.nonce, expires: now.Add(authorizationCodeLifespan),
	}
	p.mu.Unlock()
	redirectToClient(w, r, ar, url.Values{"code": {code}})
}

// writeAuthorizeError sends the error back to the client when the redirect URI is one the client
// registered, and otherwise explains it to the person on an HTML page (never redirecting to an
// unknown URI).
func (p *Provider) writeAuthorizeError(w http.ResponseWriter, r *http.Request, ar *authorizeRequest, err *rfcError) {
	p.log.DebugContext(r.Context(), "sandbox provider: authorization request refused", "error", err.code, "hint", err.description)
	if ar != nil {
		q := url.Values{"error": {err.code}}
		if err.description != "" {
			q.Set("error_description", err.description)
		}
		redirectToClient(w, r, ar, q)
		return
	}
	p.renderProblem(w, err.status, "The app sent an invalid request", err.description)
}

// redirectToClient sends the browser to the client's redirect URI with params and the state.
func redirectToClient(w http.ResponseWriter, r *http.Request, ar *authorizeRequest, params url.Values) {
	u, _ := url.Parse(ar.redirectURI) // validated when the client was registered
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if ar.state != "" {
		q.Set("state", ar.state)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// authorizeRequest is a validated authorization request.
type authorizeRequest struct {
	client       *registeredClient
	redirectURI  string // where to send the browser back
	sentRedirect string // the redirect_uri parameter, empty when it was left out
	state        string
	scopes       []string
	challenge    string
	nonce        string
	prompt       string
}

var (
	errAccessDenied     = &rfcError{code: "access_denied", description: "The sandbox user denied the request.", status: http.StatusForbidden}
	errConsentRequired  = &rfcError{code: "consent_required", description: "prompt=none was requested, but the sandbox user must consent on a page.", status: http.StatusBadRequest}
	pkceChallengeFormat = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
)

// parseAuthorize validates an authorization request. When the client or the redirect URI cannot
// be trusted it returns a nil request: the error must then be shown, not redirected.
func (p *Provider) parseAuthorize(r *http.Request) (*authorizeRequest, *rfcError) {
	q := r.URL.Query()
	for k, v := range q {
		if len(v) > 1 {
			return nil, invalidRequest(fmt.Sprintf("The parameter %q is repeated.", k))
		}
	}
	c, ok := p.client(q.Get("client_id"))
	if !ok {
		return nil, &rfcError{code: "invalid_client", description: "The client_id is missing or not registered with the sandbox provider.", status: http.StatusBadRequest}
	}
	ar := &authorizeRequest{client: c, sentRedirect: q.Get("redirect_uri"), state: q.Get("state"), nonce: q.Get("nonce"), prompt: q.Get("prompt")}
	switch {
	case ar.sentRedirect != "" && slices.Contains(c.redirectURIs, ar.sentRedirect):
		ar.redirectURI = ar.sentRedirect
	case ar.sentRedirect == "" && len(c.redirectURIs) == 1:
		ar.redirectURI = c.redirectURIs[0]
	default:
		return nil, invalidRequest("The redirect_uri is missing or is not one the client registered, so the sandbox provider will not redirect to it.")
	}
	if q.Get("response_type") != "code" {
		return ar, &rfcError{code: "unsupported_response_type", description: `Only response_type "code" is supported.`, status: http.StatusBadRequest}
	}
	if m := q.Get("response_mode"); m != "" && m != "query" {
		return ar, invalidRequest(`Only response_mode "query" is supported.`)
	}
	if len(ar.state) < 8 {
		return ar, invalidRequest("The state parameter must be at least 8 characters long.")
	}
	ar.scopes = strings.Fields(q.Get("scope"))
	for _, s := range ar.scopes {
		if !c.allows(s) {
			return ar, &rfcError{code: "invalid_scope", description: fmt.Sprintf("The client may not request the scope %q.", s), status: http.StatusBadRequest}
		}
	}
	ar.scopes = slices.Compact(ar.scopes)
	ar.challenge = q.Get("code_challenge")
	if ar.challenge == "" {
		return ar, invalidRequest("PKCE is required: send code_challenge and code_challenge_method=S256.")
	}
	if q.Get("code_challenge_method") != "S256" {
		return ar, invalidRequest("Only code_challenge_method S256 is supported.")
	}
	if !pkceChallengeFormat.MatchString(ar.challenge) {
		return ar, invalidRequest("The code_challenge must be 43 base64url characters (a SHA-256 digest).")
	}
	return ar, nil
}
