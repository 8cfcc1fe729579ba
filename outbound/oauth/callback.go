package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// Outcomes of a consent.
const (
	OutcomeConnected = "connected"
	OutcomeDenied    = "denied"
	OutcomeError     = "error"
)

// ErrorExpiredState is the CallbackResult.ErrorCode of a consent that came back after its state
// expired.
const ErrorExpiredState = "expired_state"

// Query parameters the vault adds to the redirect URL after a callback.
const (
	RedirectParamStatus     = "outflow_status"
	RedirectParamConnection = "outflow_connection"
	RedirectParamError      = "outflow_error"
)

// CallbackResult is how a consent ended. A refusal by the user or the provider is an outcome,
// not an error.
type CallbackResult struct {
	// Outcome is OutcomeConnected, OutcomeDenied or OutcomeError.
	Outcome string
	AppID   string
	Owner   outbound.Owner
	// ConnectionID and Connection are set when connected.
	ConnectionID string
	Connection   *Connection
	// Reconnected is true when the consent renewed an existing connection (same external id,
	// or same provider account), which keeps its id.
	Reconnected bool
	// RedirectURL is where to send the browser: the connect's redirect URL with outflow_status
	// and outflow_connection or outflow_error added. Empty when the connect named none and the
	// app has no defaultRedirectUrl, and always empty for a flow's consent that named none: the
	// browser goes back to the flow (see Resume). It never carries a token or a code.
	RedirectURL string
	// Resume is the execution to resume, when a flow started the consent.
	Resume *ResumeTarget
	// ErrorCode and ErrorMessage explain OutcomeDenied and OutcomeError. The code is an RFC 6749
	// error code from the provider or one of the vault's (ErrorExpiredState, issuer_mismatch,
	// invalid_response, exchange_failed, invalid_id_token); the message is safe to show.
	ErrorCode    string
	ErrorMessage string
}

// ResumeInput is the input that resumes the paused outbound.connect step (with interaction
// actions.InteractionCallback): outcome, connectionId, scopes and error. It never holds a token.
func (r *CallbackResult) ResumeInput() map[string]any {
	in := map[string]any{"outcome": r.Outcome, "connectionId": r.ConnectionID, "scopes": []any{}, "error": ""}
	if r.Connection != nil {
		scopes := make([]any, len(r.Connection.Scopes))
		for i, s := range r.Connection.Scopes {
			scopes[i] = s
		}
		in["scopes"] = scopes
	}
	if r.Outcome != OutcomeConnected {
		msg := r.ErrorCode
		if r.ErrorMessage != "" {
			msg += ": " + r.ErrorMessage
		}
		in["error"] = msg
	}
	return in
}

// HandleCallback finishes a consent: it checks and consumes the state (single use), checks the
// RFC 9207 iss parameter when present (against the app's issuer, or its discovery document's;
// a callback without iss is accepted, as most providers do not send it), exchanges the code (with the PKCE verifier) and stores
// the connection with its tokens sealed. query is the callback's query string; binding is the
// browser binding the host read from the request (see ConnectRequest.Binding).
//
// A state that is missing, unknown, used, for another app or from another browser gives a
// *StateError and changes nothing; the last two leave the state usable by the right callback.
// A state that expired (the consent took longer than VaultOptions.StateTTL) is used up and ends
// the consent as an OutcomeError with ErrorCode "expired_state", so the flow that started it
// resumes on its error branch. Every later failure — the user denied, the provider answered
// with an error, the code exchange failed — is an outcome with the state consumed and nothing
// stored.
func (v *Vault) HandleCallback(ctx context.Context, appID string, query url.Values, binding string) (res *CallbackResult, err error) {
	defer v.observeCallback(appID, time.Now(), &res, &err)
	st, err := v.takeState(ctx, appID, query.Get("state"), binding)
	if err != nil {
		return nil, err
	}
	res = &CallbackResult{AppID: appID, Owner: st.Owner, Resume: st.Execution}
	if !v.now().Before(st.ExpiresAt) {
		res.Outcome, res.ErrorCode = OutcomeError, ErrorExpiredState
		res.ErrorMessage = "The consent took too long and expired; start connecting again."
		res.RedirectURL = withQuery(st.RedirectURL, RedirectParamStatus, OutcomeError, RedirectParamError, ErrorExpiredState)
		return res, nil
	}
	conn, reconnected, code, msg := v.completeConsent(ctx, st, query)
	switch {
	case conn != nil:
		res.Outcome, res.ConnectionID, res.Connection, res.Reconnected = OutcomeConnected, conn.ID, conn, reconnected
		res.RedirectURL = withQuery(st.RedirectURL, RedirectParamStatus, OutcomeConnected, RedirectParamConnection, conn.ID)
	case code == "access_denied":
		res.Outcome, res.ErrorCode, res.ErrorMessage = OutcomeDenied, code, msg
		res.RedirectURL = withQuery(st.RedirectURL, RedirectParamStatus, OutcomeDenied, RedirectParamError, code)
	default:
		res.Outcome, res.ErrorCode, res.ErrorMessage = OutcomeError, code, msg
		res.RedirectURL = withQuery(st.RedirectURL, RedirectParamStatus, OutcomeError, RedirectParamError, code)
	}
	return res, nil
}

// takeState checks the callback's state and consumes it. It is refused without being consumed
// when it belongs to another app or another browser. An expired state is consumed and returned:
// the caller ends the consent with it.
func (v *Vault) takeState(ctx context.Context, appID, state, binding string) (*pendingState, error) {
	if state == "" {
		return nil, &StateError{Reason: StateMissing}
	}
	key := v.stateKey(state)
	raw, err := v.store.Peek(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &StateError{Reason: StateUnknown}
	}
	if err != nil {
		return nil, fmt.Errorf("oauth callback of app %q: read state: %w", appID, err)
	}
	st, err := v.openState(key, raw)
	if err != nil {
		v.log.WarnContext(ctx, "outbound: oauth callback with an unreadable state", "app", appID, "error", err)
		return nil, &StateError{Reason: StateUnknown}
	}
	if st.AppID != appID {
		return nil, &StateError{Reason: StateWrongApp}
	}
	if st.BindingHash != "" && subtle.ConstantTimeCompare([]byte(hashHex(binding)), []byte(st.BindingHash)) != 1 {
		return nil, &StateError{Reason: StateBinding}
	}
	if _, err := v.store.TakeOnce(ctx, key); errors.Is(err, store.ErrNotFound) {
		return nil, &StateError{Reason: StateUnknown}
	} else if err != nil {
		return nil, fmt.Errorf("oauth callback of app %q: take state: %w", appID, err)
	}
	return st, nil
}

// completeConsent turns the provider's answer into a stored connection, or an error code and a
// message safe to show.
func (v *Vault) completeConsent(ctx context.Context, st *pendingState, q url.Values) (conn *Connection, reconnected bool, code, msg string) {
	app, err := v.oauthApp(ctx, st.AppID)
	if err != nil {
		v.log.WarnContext(ctx, "outbound: oauth callback for an app that is gone", "app", st.AppID, "error", err)
		return nil, false, "app_not_found", "The app no longer exists."
	}
	client := apps.TenantClient{Client: st.Client}
	if st.SettingsRevision > 0 {
		client.TenantID, client.Revision = st.Owner.TenantID, st.SettingsRevision
		if app, err = v.apps.ForTenantRevision(ctx, app, st.Owner.TenantID, st.SettingsRevision); err != nil {
			v.log.WarnContext(ctx, "outbound: oauth callback for tenant settings that are gone", "app", st.AppID, "error", err)
			return nil, false, "tenant_settings_changed", "The tenant's settings for this app were removed during the consent; connect again."
		}
	}
	pc, err := v.provider(ctx, app)
	if err != nil {
		v.log.ErrorContext(ctx, "outbound: oauth callback: provider configuration", "app", app.ID, "error", err)
		return nil, false, "server_error", "The provider could not be reached."
	}
	if iss := q.Get("iss"); iss != "" && pc.issuer != "" && iss != pc.issuer {
		v.log.WarnContext(ctx, "outbound: oauth callback from an unexpected issuer", "app", app.ID, "iss", oneLine(iss, 200))
		return nil, false, "issuer_mismatch", "The answer came from another authorization server than the app's."
	}
	if e := q.Get("error"); e != "" {
		code := errorCode(e)
		msg := oneLine(q.Get("error_description"), 300)
		if msg == "" {
			msg = describeAuthorizeError(code)
		}
		return nil, false, code, msg
	}
	authCode := q.Get("code")
	if authCode == "" {
		return nil, false, "invalid_response", "The provider sent neither a code nor an error."
	}
	tr, err := v.exchange(ctx, pc, &app, authCode, st.Verifier)
	if err != nil {
		v.log.WarnContext(ctx, "outbound: code exchange failed", "app", app.ID, "error", providerError(err, authCode, st.Verifier, app.ClientSecret.Reveal()))
		return nil, false, "exchange_failed", "The provider refused to issue a token (" + providerErrorCode(err) + ")."
	}
	subject, err := idTokenSubject(tr.idToken, &app, pc.issuer, st.Nonce)
	if err != nil {
		v.log.WarnContext(ctx, "outbound: id token refused", "app", app.ID, "error", err)
		return nil, false, "invalid_id_token", "The provider's ID token does not belong to this sign-in."
	}
	if subject == "" && app.UserInfoURL != "" {
		subject = v.userInfoSubject(ctx, &app, tr.access)
	}
	scopes := tr.scopes
	if scopes == nil {
		scopes = st.Scopes
	}
	c, reconnected, err := v.saveGrant(ctx, &app, grantInput{
		owner: st.Owner, externalID: st.ExternalID, subject: subject, scopes: scopes,
		token: tr, grantedBy: "consent", connectionID: st.ConnectionID, metadata: st.Metadata, client: client,
	})
	if err != nil {
		code, msg := consentFailure(err)
		if code == ErrorAccountMismatch {
			v.discardGrant(ctx, pc, &app, tr)
		}
		if code == "server_error" {
			v.log.ErrorContext(ctx, "outbound: store connection", "app", app.ID, "error", err)
		} else {
			v.log.WarnContext(ctx, "outbound: consent not stored", "app", app.ID, "connection", st.ConnectionID, "code", code)
		}
		return nil, false, code, msg
	}
	return c, reconnected, "", ""
}

// exchange redeems an authorization code.
func (v *Vault) exchange(ctx context.Context, pc *providerConf, app *apps.App, code, verifier string) (tokenResult, error) {
	cctx, cancel := v.withClient(tracing.WithCall(ctx, "oauth.exchange"), pc)
	defer cancel()
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := pc.conf.Exchange(cctx, code, opts...)
	if err != nil {
		return tokenResult{}, err
	}
	return readToken(app, tok, v.now()), nil
}

// idTokenSubject returns the sub claim of an ID token received from the token endpoint, after
// checking its nonce (when the consent sent one), audience and issuer. The signature is not
// checked: the token came straight from the provider's token endpoint (see jwtPayload). A
// token whose audience or issuer does not match is ignored rather than refused.
func idTokenSubject(idToken string, app *apps.App, issuer, nonce string) (string, error) {
	if idToken == "" {
		return "", nil
	}
	c, ok := jwtPayload(idToken)
	if !ok {
		return "", nil
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1 {
		return "", errors.New("the id token's nonce does not match the consent's")
	}
	if !slices.Contains(c.Aud, app.ClientID) || (issuer != "" && c.Issuer != issuer) {
		return "", nil
	}
	return c.Subject, nil
}

// errorCode keeps an RFC 6749 error code as is when it looks like one, else "server_error".
func errorCode(s string) string {
	if s == "" || len(s) > 64 || strings.ContainsFunc(s, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z') }) {
		return "server_error"
	}
	return s
}

func describeAuthorizeError(code string) string {
	switch code {
	case "access_denied":
		return "The request was denied."
	case "invalid_scope":
		return "The provider does not accept the requested scopes."
	case "temporarily_unavailable":
		return "The provider is temporarily unavailable; try again later."
	}
	return "The provider could not complete the request."
}

// providerErrorCode is the RFC 6749 code of a failed token request, or a short description.
func providerErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return errorCode(re.ErrorCode)
		}
		if re.Response != nil {
			return fmt.Sprintf("http %d", re.Response.StatusCode)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "unreachable"
}

// withQuery adds parameters to a redirect URL; "" stays "".
func withQuery(raw string, kv ...string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}
