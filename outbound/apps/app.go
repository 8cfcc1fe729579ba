package apps

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// Kind tells how an app authenticates.
type Kind string

// The kinds of app.
const (
	// KindOAuth2 apps connect through OAuth 2.0 consent (authorization code, PKCE).
	KindOAuth2 Kind = "oauth2"
	// KindAPIKey apps store a static API key collected on a screen.
	KindAPIKey Kind = "apikey"
)

// AccessType is the Google-style access_type authorization parameter.
type AccessType string

// Access types. The empty value sends no access_type parameter.
const (
	AccessTypeOffline AccessType = "offline"
	AccessTypeOnline  AccessType = "online"
)

// Values of App.Prompt (the OIDC prompt parameter).
const (
	PromptNone          = "none"
	PromptLogin         = "login"
	PromptConsent       = "consent"
	PromptSelectAccount = "select_account"
)

// TokenAuthStyle tells how the client authenticates at the token endpoint.
type TokenAuthStyle string

// Token endpoint authentication styles.
const (
	// TokenAuthAuto (the empty value) tries HTTP Basic first and falls back to body parameters.
	TokenAuthAuto TokenAuthStyle = ""
	// TokenAuthHeader sends client_id and client_secret with HTTP Basic.
	TokenAuthHeader TokenAuthStyle = "header"
	// TokenAuthParams sends client_id and client_secret in the form body.
	TokenAuthParams TokenAuthStyle = "params"
)

// TokenBodyFormat is the encoding of a token request body.
type TokenBodyFormat string

// Token request formats.
const (
	// TokenBodyForm (the empty value) sends application/x-www-form-urlencoded, as RFC 6749 says.
	TokenBodyForm TokenBodyFormat = ""
	// TokenBodyJSON sends the same parameters as a JSON object of strings.
	TokenBodyJSON TokenBodyFormat = "json"
)

// Defaults applied by WithDefaults and by the effective-value methods when a field is zero.
const (
	DefaultScopeSeparator          = " "
	DefaultScopeParam              = "scope"
	DefaultRefreshMarginSeconds    = 300
	DefaultFallbackLifetimeSeconds = 3600
	DefaultProbeTimeoutSeconds     = 5
	DefaultKeyOverlapSeconds       = 86400
	DefaultKeyMaxAttempts          = 5
)

// CallbackPath is the path prefix of every app's OAuth callback; the app id follows it.
const CallbackPath = "/v1/oauth/callback/"

// App is an outbound app: one provider configured by the host, of kind oauth2 or apikey.
// OAuth fields are empty for apikey apps and APIKey is nil for oauth2 apps.
//
// ClientSecret never appears in JSON or YAML (tag "-"): whoever persists an App seals
// ClientSecret.Reveal() and stores it beside the JSON. Show an app with View, which adds
// hasClientSecret and the derived callbackUrl.
//
// Zero numbers mean "the default"; WithDefaults fills them in, and the effective-value methods
// (RefreshPolicy.Margin, Probe.Timeout, ...) apply them too.
type App struct {
	// ID is an immutable slug: ^[a-z0-9][a-z0-9-]{0,62}$.
	ID   string `json:"id" yaml:"id"`
	Kind Kind   `json:"kind" yaml:"kind"`
	// Name is shown to end users (for example on the "Connect to" button).
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Logo is an https (or loopback) URL or a data:image/...;base64, URI.
	Logo string `json:"logo,omitempty" yaml:"logo,omitempty"`
	// TemplateID names the catalog template the app was created from, if any.
	TemplateID string `json:"templateId,omitempty" yaml:"templateId,omitempty"`
	// DocsURL links to the provider's API documentation.
	DocsURL string `json:"docsUrl,omitempty" yaml:"docsUrl,omitempty"`
	// ScopesDocsURL links to the provider's list of scopes (an app made from a template keeps
	// the template's).
	ScopesDocsURL string    `json:"scopesDocsUrl,omitempty" yaml:"scopesDocsUrl,omitempty"`
	CreatedAt     time.Time `json:"createdAt,omitzero" yaml:"createdAt,omitempty"`
	UpdatedAt     time.Time `json:"updatedAt,omitzero" yaml:"updatedAt,omitempty"`

	ClientID     string          `json:"clientId,omitempty" yaml:"clientId,omitempty"`
	ClientSecret outbound.Secret `json:"-" yaml:"-"`

	AuthorizationURL string `json:"authorizationUrl,omitempty" yaml:"authorizationUrl,omitempty"`
	TokenURL         string `json:"tokenUrl,omitempty" yaml:"tokenUrl,omitempty"`
	// RefreshURL, when set, is where refresh requests go instead of TokenURL (Figma's
	// /v1/oauth/refresh); the code exchange always uses TokenURL. It may carry a query
	// (Dropbox Sign's /oauth/token?refresh).
	RefreshURL string `json:"refreshUrl,omitempty" yaml:"refreshUrl,omitempty"`
	// RevocationURL is an RFC 7009 endpoint. Leave it empty for providers whose revocation is
	// not RFC 7009 (their quirks say how they revoke).
	RevocationURL string `json:"revocationUrl,omitempty" yaml:"revocationUrl,omitempty"`
	// DiscoveryURL is an OIDC / RFC 8414 metadata URL; with it, authorizationUrl and tokenUrl
	// may be left empty.
	DiscoveryURL string `json:"discoveryUrl,omitempty" yaml:"discoveryUrl,omitempty"`
	UserInfoURL  string `json:"userInfoUrl,omitempty" yaml:"userInfoUrl,omitempty"`
	// Issuer is the authorization server's issuer identifier, compared with the iss parameter
	// of the authorization response (RFC 9207) when the provider sends one.
	Issuer string `json:"issuer,omitempty" yaml:"issuer,omitempty"`

	Scopes []Scope `json:"scopes,omitempty" yaml:"scopes,omitempty"`
	// DefaultScopes are requested when a connect names none; each must be in Scopes when
	// Scopes is not empty.
	DefaultScopes []string `json:"defaultScopes,omitempty" yaml:"defaultScopes,omitempty"`
	// ScopeSeparator joins scopes in the authorization request: " " (default) or ",".
	ScopeSeparator string `json:"scopeSeparator,omitempty" yaml:"scopeSeparator,omitempty"`
	// ScopeParam is the authorization query parameter that carries the scopes: "scope"
	// (default), or for example "user_scope" for Slack user tokens.
	ScopeParam string `json:"scopeParam,omitempty" yaml:"scopeParam,omitempty"`
	// PKCE sends an S256 code challenge. On by default for oauth2 apps (see NewApp); turn it off
	// only for providers that reject it.
	PKCE       bool       `json:"pkce" yaml:"pkce"`
	AccessType AccessType `json:"accessType,omitempty" yaml:"accessType,omitempty"`
	// Prompt values: none, login, consent, select_account.
	Prompt []string `json:"prompt,omitempty" yaml:"prompt,omitempty"`
	// AuthorizationParams are extra query parameters of the authorization request.
	AuthorizationParams map[string]string `json:"authorizationParams,omitempty" yaml:"authorizationParams,omitempty"`
	// TokenParams are extra parameters of every token request: the code exchange and, unless
	// RefreshParams sets the same name, the refresh too.
	TokenParams map[string]string `json:"tokenParams,omitempty" yaml:"tokenParams,omitempty"`
	// RefreshParams are extra parameters of refresh requests only; a name also in TokenParams
	// takes this value on refresh (Basecamp: type=web_server on exchange, type=refresh on
	// refresh).
	RefreshParams  map[string]string `json:"refreshParams,omitempty" yaml:"refreshParams,omitempty"`
	TokenAuthStyle TokenAuthStyle    `json:"tokenAuthStyle,omitempty" yaml:"tokenAuthStyle,omitempty"`
	// TokenBodyFormat is the body of token requests (exchange and refresh): form (the
	// default, RFC 6749) or json, for providers that document a JSON body (Notion, Square).
	TokenBodyFormat TokenBodyFormat `json:"tokenBodyFormat,omitempty" yaml:"tokenBodyFormat,omitempty"`
	// TokenResponsePath is a dot path to the object holding access_token, refresh_token and
	// expires_in in the token response (for example "authed_user" for Slack user tokens).
	// Empty means the top level.
	TokenResponsePath string `json:"tokenResponsePath,omitempty" yaml:"tokenResponsePath,omitempty"`
	// CallbackDomain is a host name that serves this app's callback instead of the public base
	// URL (see CallbackURL).
	CallbackDomain string `json:"callbackDomain,omitempty" yaml:"callbackDomain,omitempty"`
	// DefaultRedirectURL is where the user lands after a successful connect when the caller
	// gives no redirect URL.
	DefaultRedirectURL string `json:"defaultRedirectUrl,omitempty" yaml:"defaultRedirectUrl,omitempty"`
	// AllowedRedirectURLs, when not empty, are the only redirect URLs a connect may ask for
	// (exact match).
	AllowedRedirectURLs []string      `json:"allowedRedirectUrls,omitempty" yaml:"allowedRedirectUrls,omitempty"`
	Refresh             RefreshPolicy `json:"refresh,omitzero" yaml:"refresh,omitempty"`

	// APIBaseURLs are the API origins, each with an optional path prefix, that a credential of
	// this app may be sent to (see CheckAPIBaseURL; MatchAPIBase says whether a URL is under
	// one); in a template they may hold {variable} placeholders in the host.
	APIBaseURLs []string `json:"apiBaseUrls,omitempty" yaml:"apiBaseUrls,omitempty"`
	// APIBaseURLFrom (oauth2) names the token-response member holding the connection's own API
	// base (Salesforce instance_url, Pipedrive api_domain); its value must match one of
	// APIBaseURLs, where a host may then start with "*.". A bare host name (Wrike's host) takes
	// the scheme and path prefix of the API base whose host it matches (see ConnectionAPIBase).
	APIBaseURLFrom string `json:"apiBaseUrlFrom,omitempty" yaml:"apiBaseUrlFrom,omitempty"`
	// APIHeaders are extra headers every API call needs (Notion-Version).
	APIHeaders map[string]string `json:"apiHeaders,omitempty" yaml:"apiHeaders,omitempty"`
	// APIAuth (oauth2) says how the access token is sent when not as a Bearer Authorization.
	APIAuth *APIAuth `json:"apiAuth,omitempty" yaml:"apiAuth,omitempty"`

	// APIKey configures an apikey app.
	APIKey *APIKeyConfig `json:"apiKey,omitempty" yaml:"apiKey,omitempty"`
}

// Scope is one OAuth scope an app may request.
type Scope struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Optional scopes may be left out by the user on the connect screen.
	Optional bool `json:"optional,omitempty" yaml:"optional,omitempty"`
}

// RefreshPolicy tells the token vault how to keep an app's tokens fresh.
type RefreshPolicy struct {
	// MarginSeconds: refresh this long before expiry. Zero means 300.
	MarginSeconds int `json:"marginSeconds,omitempty" yaml:"marginSeconds,omitempty"`
	// RotatesRefreshToken: the provider issues a new refresh token on every refresh and the
	// old one stops working, so at most one refresh may be in flight and the new pair must be
	// stored atomically.
	RotatesRefreshToken bool `json:"rotatesRefreshToken,omitempty" yaml:"rotatesRefreshToken,omitempty"`
	// FallbackLifetimeSeconds is assumed when a token response has no expires_in and the
	// access token is not a JWT with exp. Zero means 3600. A token is never "valid forever".
	FallbackLifetimeSeconds int `json:"fallbackLifetimeSeconds,omitempty" yaml:"fallbackLifetimeSeconds,omitempty"`
	// Background keeps connections fresh ahead of time: the worker refreshes each connection
	// with a refresh token before its fetch would have to. Nil means on; false leaves every
	// refresh to fetches.
	Background *bool `json:"background,omitempty" yaml:"background,omitempty"`
	// IdleDays: a connection not fetched for this many days is no longer refreshed in the
	// background (its next fetch refreshes it, and it is kept fresh again). Zero means 30.
	IdleDays int `json:"idleDays,omitempty" yaml:"idleDays,omitempty"`
}

// DefaultIdleDays is RefreshPolicy.IdleDays when it is zero.
const DefaultIdleDays = 30

// BackgroundOn reports whether the worker refreshes the app's connections ahead of time.
func (p RefreshPolicy) BackgroundOn() bool { return p.Background == nil || *p.Background }

// Idle is how long a connection may go unfetched and still be refreshed in the background.
func (p RefreshPolicy) Idle() time.Duration {
	d := p.IdleDays
	if d <= 0 {
		d = DefaultIdleDays
	}
	return time.Duration(d) * 24 * time.Hour
}

// Margin is how long before expiry a token is refreshed.
func (p RefreshPolicy) Margin() time.Duration {
	return seconds(p.MarginSeconds, DefaultRefreshMarginSeconds)
}

// FallbackLifetime is the lifetime assumed for a token whose expiry is unknown.
func (p RefreshPolicy) FallbackLifetime() time.Duration {
	return seconds(p.FallbackLifetimeSeconds, DefaultFallbackLifetimeSeconds)
}

func seconds(n, def int) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}

// ScopeParameter returns the authorization parameter that carries the scopes.
func (a *App) ScopeParameter() string {
	if a.ScopeParam == "" {
		return DefaultScopeParam
	}
	return a.ScopeParam
}

// ScopeSep returns the separator that joins scopes, " " unless the app says otherwise.
func (a *App) ScopeSep() string {
	if a.ScopeSeparator == "" {
		return DefaultScopeSeparator
	}
	return a.ScopeSeparator
}

// CallbackURL returns the app's OAuth redirect URI: <base>/v1/oauth/callback/<appId>, where
// base is https://<callbackDomain> when the app has one and publicBase otherwise. Every app
// has its own path, so a code meant for one provider cannot be replayed to another.
func (a *App) CallbackURL(publicBase string) string {
	base := strings.TrimRight(publicBase, "/")
	if a.CallbackDomain != "" {
		base = "https://" + a.CallbackDomain
	}
	return base + CallbackPath + a.ID
}

// AppView is how an app is shown (the body of a GET): every App field except the client
// secret, plus whether a secret is set and the callback URL to register at the provider.
type AppView struct {
	App `yaml:",inline"`
	// HasClientSecret reports whether a client secret is stored.
	HasClientSecret bool `json:"hasClientSecret" yaml:"hasClientSecret"`
	// CallbackURL is derived (see App.CallbackURL); set for oauth2 apps only.
	CallbackURL string `json:"callbackUrl,omitempty" yaml:"callbackUrl,omitempty"`
}

// View returns the app as shown to API clients, computing the callback URL from publicBase
// (the server's public base URL, for example https://auth.example.com). The secret cannot leak
// through it: the App's ClientSecret is never marshalled.
func (a *App) View(publicBase string) AppView {
	v := AppView{App: a.Clone(), HasClientSecret: !a.ClientSecret.IsZero()}
	if a.Kind == KindOAuth2 {
		v.CallbackURL = a.CallbackURL(publicBase)
	}
	return v
}

// WithDefaults returns a copy with zero values replaced by their defaults, so stored and shown
// apps say what is in force.
func (a *App) WithDefaults() App {
	out := a.Clone()
	switch out.Kind {
	case KindOAuth2:
		if out.ScopeSeparator == "" {
			out.ScopeSeparator = DefaultScopeSeparator
		}
		if out.Refresh.MarginSeconds == 0 {
			out.Refresh.MarginSeconds = DefaultRefreshMarginSeconds
		}
		if out.Refresh.FallbackLifetimeSeconds == 0 {
			out.Refresh.FallbackLifetimeSeconds = DefaultFallbackLifetimeSeconds
		}
	case KindAPIKey:
		if k := out.APIKey; k != nil {
			if k.OverlapSeconds == 0 {
				k.OverlapSeconds = DefaultKeyOverlapSeconds
			}
			if k.MaxAttempts == 0 {
				k.MaxAttempts = DefaultKeyMaxAttempts
			}
			if p := k.Probe; p != nil {
				if p.Method == "" {
					p.Method = "GET"
				}
				if p.KeyIn == "" {
					p.KeyIn = KeyInBearer
				}
				if p.TimeoutSeconds == 0 {
					p.TimeoutSeconds = DefaultProbeTimeoutSeconds
				}
			}
		}
	}
	return out
}

// Clone returns a deep copy: no slice, map or pointer is shared with a.
func (a *App) Clone() App {
	out := *a
	out.Scopes = slices.Clone(a.Scopes)
	out.DefaultScopes = slices.Clone(a.DefaultScopes)
	out.Prompt = slices.Clone(a.Prompt)
	out.AuthorizationParams = maps.Clone(a.AuthorizationParams)
	out.TokenParams = maps.Clone(a.TokenParams)
	out.RefreshParams = maps.Clone(a.RefreshParams)
	out.AllowedRedirectURLs = slices.Clone(a.AllowedRedirectURLs)
	out.APIBaseURLs = slices.Clone(a.APIBaseURLs)
	out.APIHeaders = maps.Clone(a.APIHeaders)
	if a.APIAuth != nil {
		auth := *a.APIAuth
		out.APIAuth = &auth
	}
	if a.APIKey != nil {
		k := a.APIKey.clone()
		out.APIKey = &k
	}
	return out
}
