package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// ConnectRequest starts an OAuth consent for an owner.
type ConnectRequest struct {
	AppID string
	Owner outbound.Owner
	// Scopes to ask for; empty means the app's default scopes.
	Scopes []string
	// RedirectURL is where the browser goes after the callback, with outflow_status (and
	// outflow_connection or outflow_error) added to its query. It must be the app's
	// defaultRedirectUrl, one of its allowedRedirectUrls, or admitted by
	// VaultOptions.RedirectAllowed. Empty means back to the flow when Execution is set (the
	// callback names no redirect URL, so the host shows the flow), else the app's
	// defaultRedirectUrl (and, when that is empty too, the callback answers with a plain page).
	RedirectURL string
	// ExternalID tells apart several accounts of one provider for the same owner. A consent with
	// the external id of an existing connection reconnects it, keeping its id.
	ExternalID string
	// Execution, set by the outbound.connect flow action, is the paused execution the callback
	// resumes.
	Execution *ResumeTarget
	// Binding is an opaque value tying the consent to the browser that started it (for example
	// a cookie the host set). A callback presenting another binding is refused without using up
	// the state. Empty means no binding.
	Binding string

	// ConnectionID reconnects that connection in place: the consent renews exactly it (its id,
	// external id and metadata stay), and the callback refuses a consent given for another
	// provider account (ErrorAccountMismatch). AppID and Owner may be left empty: they are the
	// connection's. The scopes asked for are the connection's granted ones plus Scopes, so an
	// incremental consent never loses a scope.
	ConnectionID string
	// Metadata is merged into the connection's metadata when the consent completes (a nil value
	// removes a key); see CheckMetadata.
	Metadata map[string]any
}

// ResumeTarget is a paused execution waiting for a consent to come back: the execution, its
// step, and the single-use nonce of its pause.
type ResumeTarget struct {
	ExecutionID string `json:"executionId"`
	StepID      string `json:"stepId"`
	Nonce       string `json:"nonce"`
}

// ConnectResult is where to send the browser, and until when the consent may come back.
type ConnectResult struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// pendingState is what a consent in progress keeps in Redis under the hash of its state. It
// holds the PKCE verifier, so it is stored sealed.
type pendingState struct {
	AppID       string         `json:"appId"`
	Owner       outbound.Owner `json:"owner"`
	Scopes      []string       `json:"scopes,omitempty"`
	Verifier    string         `json:"verifier,omitempty"`
	Nonce       string         `json:"nonce,omitempty"`
	RedirectURL string         `json:"redirectUrl,omitempty"`
	ExternalID  string         `json:"externalId,omitempty"`
	Execution   *ResumeTarget  `json:"execution,omitempty"`
	BindingHash string         `json:"binding,omitempty"`
	ExpiresAt   time.Time      `json:"expiresAt"`

	ConnectionID string         `json:"connectionId,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	// Client and SettingsRevision are the client and tenant settings revision the consent was
	// started with; the callback exchanges the code with the same.
	Client           string `json:"client,omitempty"`
	SettingsRevision int64  `json:"settingsRevision,omitempty"`
}

// Connect starts a consent: it keeps a single-use state (at least 128 random bits, valid for
// VaultOptions.StateTTL) with the PKCE verifier and everything the callback needs, and returns
// the provider's authorization URL to send the browser to.
func (v *Vault) Connect(ctx context.Context, req ConnectRequest) (*ConnectResult, error) {
	app, redirect, pc, tc, err := v.checkConnect(ctx, &req)
	if err != nil {
		return nil, err
	}
	scopes := req.Scopes
	if len(scopes) == 0 {
		scopes = app.DefaultScopes
	}
	now := v.now()
	st := pendingState{
		AppID: app.ID, Owner: req.Owner, Scopes: slices.Clone(scopes), RedirectURL: redirect,
		ExternalID: req.ExternalID, Execution: req.Execution, ExpiresAt: now.Add(v.vo.StateTTL),
		ConnectionID: req.ConnectionID, Metadata: req.Metadata,
		Client: tc.Client, SettingsRevision: tc.Revision,
	}
	if req.Binding != "" {
		st.BindingHash = hashHex(req.Binding)
	}
	opts := make([]oauth2.AuthCodeOption, 0, 8)
	for _, k := range slices.Sorted(maps.Keys(app.AuthorizationParams)) {
		opts = append(opts, oauth2.SetAuthURLParam(k, app.AuthorizationParams[k]))
	}
	switch app.AccessType {
	case apps.AccessTypeOffline:
		opts = append(opts, oauth2.AccessTypeOffline)
	case apps.AccessTypeOnline:
		opts = append(opts, oauth2.AccessTypeOnline)
	}
	if len(app.Prompt) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", strings.Join(app.Prompt, " ")))
	}
	if len(scopes) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam(app.ScopeParameter(), strings.Join(scopes, app.ScopeSep())))
	}
	if app.PKCE {
		st.Verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(st.Verifier))
	}
	if slices.Contains(scopes, "openid") {
		st.Nonce = rand.Text()
		opts = append(opts, oauth2.SetAuthURLParam("nonce", st.Nonce))
	}
	state := rand.Text() // 26 base32 characters: 130 random bits
	if err := v.putState(ctx, state, &st); err != nil {
		return nil, fmt.Errorf("connect app %q: %w", req.AppID, err)
	}
	v.observeConsent(app.ID)
	return &ConnectResult{URL: pc.conf.AuthCodeURL(state, opts...), ExpiresAt: st.ExpiresAt}, nil
}

// ErrNoPublicURL: a consent needs an absolute callback URL, and the apps registry was built
// without apps.Options.PublicURL (and the app has no callbackDomain).
var ErrNoPublicURL = errors.New("oauth: the apps registry has no PublicURL, so the provider could not send the browser back; " +
	"set apps.Options.PublicURL to the server's public URL")

// CheckConnect checks a connect without starting it: the request's fields, the app, the
// redirect URL and the provider's endpoints. Connect would fail with the same error. Hosts use
// it to refuse a bad request at once when the consent itself starts later (from a link the
// browser opens).
func (v *Vault) CheckConnect(ctx context.Context, req ConnectRequest) error {
	_, _, _, _, err := v.checkConnect(ctx, &req)
	return err
}

// checkConnect checks a connect and returns the app as the owner's consent uses it (with its
// tenant's settings, see forOwner), the redirect URL, the provider and which client that is.
func (v *Vault) checkConnect(ctx context.Context, req *ConnectRequest) (apps.App, string, *providerConf, apps.TenantClient, error) {
	var tc apps.TenantClient
	if err := v.targetConnection(ctx, req); err != nil {
		return apps.App{}, "", nil, tc, err
	}
	if err := req.validate(); err != nil {
		return apps.App{}, "", nil, tc, err
	}
	app, err := v.oauthApp(ctx, req.AppID)
	if err == nil {
		app, tc, err = v.forOwner(ctx, app, req.Owner)
	}
	if err == nil && app.CallbackDomain == "" && v.opts.PublicURL == "" {
		err = ErrNoPublicURL
	}
	if err != nil {
		return apps.App{}, "", nil, tc, fmt.Errorf("connect app %q: %w", req.AppID, err)
	}
	redirect, err := v.redirectFor(&app, req)
	if err != nil {
		return apps.App{}, "", nil, tc, err
	}
	pc, err := v.provider(ctx, app)
	if err != nil {
		return apps.App{}, "", nil, tc, fmt.Errorf("connect app %q: %w", req.AppID, err)
	}
	return app, redirect, pc, tc, nil
}

func (req *ConnectRequest) validate() error {
	var p fieldProblems
	if req.AppID == "" {
		p.add("appId", "is required")
	}
	p.addAll(outbound.IDChecks{Owner: &req.Owner, MissingOwner: "set userId or tenantId: the connection belongs to a user or a tenant",
		AppID: req.AppID, ExternalID: req.ExternalID}.Problems(""))
	p.checkScopes("", req.Scopes, true)
	if x := req.Execution; x != nil && (x.ExecutionID == "" || x.Nonce == "") {
		p.add("execution", "needs the execution id and the nonce of its pause")
	}
	if err := p.err(); err != nil {
		return err
	}
	if _, err := MergeMetadata(nil, req.Metadata, "metadata"); err != nil {
		return err
	}
	return nil
}

// redirectFor returns the redirect URL a connect may use, refusing any the app or the vault
// options do not allow: a connect is never an open redirect. The request's own URL comes first;
// a flow's consent without one goes back to the flow (no URL), and only a consent started
// outside a flow falls back to the app's defaultRedirectUrl, which would otherwise take the
// browser away from the step the flow waits at.
func (v *Vault) redirectFor(app *apps.App, req *ConnectRequest) (string, error) {
	asked := req.RedirectURL
	if asked == "" && req.Execution != nil {
		return "", nil
	}
	if asked == "" {
		return app.DefaultRedirectURL, nil
	}
	if asked == app.DefaultRedirectURL || slices.Contains(app.AllowedRedirectURLs, asked) {
		return asked, nil
	}
	u, err := url.Parse(asked)
	ok := err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil && u.Fragment == ""
	if ok && v.vo.RedirectAllowed != nil && v.vo.RedirectAllowed(asked) {
		return asked, nil
	}
	return "", &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: []outbound.FieldError{{Field: "redirectUrl",
		Message: "is not allowed for this app: use its defaultRedirectUrl or add the URL to its allowedRedirectUrls"}}}
}

func (v *Vault) stateKey(state string) string { return v.keys.OAuthState(hashHex(state)) }

func (v *Vault) putState(ctx context.Context, state string, st *pendingState) error {
	plain, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	key := v.stateKey(state)
	sealed, err := v.opts.Keyring.Seal(plain, []byte(key))
	if err != nil {
		return fmt.Errorf("seal state: %w", err)
	}
	if err := v.store.PutOnce(ctx, key, []byte(sealed), v.vo.StateTTL); err != nil {
		return fmt.Errorf("keep state: %w", err)
	}
	return nil
}

func (v *Vault) openState(key string, sealed []byte) (*pendingState, error) {
	plain, err := v.opts.Keyring.Open(string(sealed), []byte(key))
	if err != nil {
		return nil, fmt.Errorf("open state: %w", err)
	}
	var st pendingState
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	return &st, nil
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
