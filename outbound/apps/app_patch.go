package apps

import (
	"maps"
	"slices"

	"github.com/outflowhq/outflow/outbound"
)

// AppPatch is a partial update of an app, with JSON merge-patch semantics: an absent field
// leaves the app unchanged. It is also the body of a create (see NewApp) and the overrides of
// a creation from a template (see TemplateInput).
//
// A null in the JSON of a merge patch (RFC 7396) removes its field: the HTTP server lists those
// fields in Remove. Go callers set Remove, or send a field's zero value, which means the same: ""
// for a string, [] for a list, 0 for a number (which restores its default). Besides:
//   - Lists replace the whole list. Maps (authorizationParams, tokenParams, refreshParams, apiHeaders, probe
//     headers) merge key by key; a key whose value is null is removed, and null for the whole
//     map removes it.
//   - Nested objects (refresh, apiAuth, apiKey, apiKey.formatHint, apiKey.probe) merge field by
//     field.
//   - The client secret is write-only: absent keeps the current one; an empty string is refused
//     (a form that sends an empty password field must not wipe the secret); clearClientSecret:
//     true removes it, for a public client that relies on PKCE alone.
//   - removeProbe: true in apiKey removes the probe.
//
// id and kind may be sent but must equal the app's: changing them is refused.
type AppPatch struct {
	ID   *string `json:"id,omitempty" yaml:"id,omitempty"`
	Kind *Kind   `json:"kind,omitempty" yaml:"kind,omitempty"`

	Name        *string `json:"name,omitempty" yaml:"name,omitempty"`
	Description *string `json:"description,omitempty" yaml:"description,omitempty"`
	Logo        *string `json:"logo,omitempty" yaml:"logo,omitempty"`
	DocsURL     *string `json:"docsUrl,omitempty" yaml:"docsUrl,omitempty"`
	// ScopesDocsURL links to the provider's list of scopes.
	ScopesDocsURL *string `json:"scopesDocsUrl,omitempty" yaml:"scopesDocsUrl,omitempty"`

	ClientID *string `json:"clientId,omitempty" yaml:"clientId,omitempty"`
	// ClientSecret is write-only; it never marshals (see Secret).
	ClientSecret      *outbound.Secret `json:"clientSecret,omitempty" yaml:"-"`
	ClearClientSecret bool             `json:"clearClientSecret,omitempty" yaml:"clearClientSecret,omitempty"`

	AuthorizationURL    *string             `json:"authorizationUrl,omitempty" yaml:"authorizationUrl,omitempty"`
	TokenURL            *string             `json:"tokenUrl,omitempty" yaml:"tokenUrl,omitempty"`
	RefreshURL          *string             `json:"refreshUrl,omitempty" yaml:"refreshUrl,omitempty"`
	RevocationURL       *string             `json:"revocationUrl,omitempty" yaml:"revocationUrl,omitempty"`
	DiscoveryURL        *string             `json:"discoveryUrl,omitempty" yaml:"discoveryUrl,omitempty"`
	UserInfoURL         *string             `json:"userInfoUrl,omitempty" yaml:"userInfoUrl,omitempty"`
	Issuer              *string             `json:"issuer,omitempty" yaml:"issuer,omitempty"`
	Scopes              *[]Scope            `json:"scopes,omitempty" yaml:"scopes,omitempty"`
	DefaultScopes       *[]string           `json:"defaultScopes,omitempty" yaml:"defaultScopes,omitempty"`
	ScopeSeparator      *string             `json:"scopeSeparator,omitempty" yaml:"scopeSeparator,omitempty"`
	ScopeParam          *string             `json:"scopeParam,omitempty" yaml:"scopeParam,omitempty"`
	PKCE                *bool               `json:"pkce,omitempty" yaml:"pkce,omitempty"`
	AccessType          *AccessType         `json:"accessType,omitempty" yaml:"accessType,omitempty"`
	Prompt              *[]string           `json:"prompt,omitempty" yaml:"prompt,omitempty"`
	AuthorizationParams map[string]*string  `json:"authorizationParams,omitempty" yaml:"authorizationParams,omitempty"`
	TokenParams         map[string]*string  `json:"tokenParams,omitempty" yaml:"tokenParams,omitempty"`
	RefreshParams       map[string]*string  `json:"refreshParams,omitempty" yaml:"refreshParams,omitempty"`
	TokenAuthStyle      *TokenAuthStyle     `json:"tokenAuthStyle,omitempty" yaml:"tokenAuthStyle,omitempty"`
	TokenBodyFormat     *TokenBodyFormat    `json:"tokenBodyFormat,omitempty" yaml:"tokenBodyFormat,omitempty"`
	TokenResponsePath   *string             `json:"tokenResponsePath,omitempty" yaml:"tokenResponsePath,omitempty"`
	CallbackDomain      *string             `json:"callbackDomain,omitempty" yaml:"callbackDomain,omitempty"`
	DefaultRedirectURL  *string             `json:"defaultRedirectUrl,omitempty" yaml:"defaultRedirectUrl,omitempty"`
	AllowedRedirectURLs *[]string           `json:"allowedRedirectUrls,omitempty" yaml:"allowedRedirectUrls,omitempty"`
	Refresh             *RefreshPolicyPatch `json:"refresh,omitempty" yaml:"refresh,omitempty"`

	APIKey *APIKeyPatch `json:"apiKey,omitempty" yaml:"apiKey,omitempty"`

	APIBaseURLs    *[]string          `json:"apiBaseUrls,omitempty" yaml:"apiBaseUrls,omitempty"`
	APIBaseURLFrom *string            `json:"apiBaseUrlFrom,omitempty" yaml:"apiBaseUrlFrom,omitempty"`
	APIHeaders     map[string]*string `json:"apiHeaders,omitempty" yaml:"apiHeaders,omitempty"`
	APIAuth        *APIAuthPatch      `json:"apiAuth,omitempty" yaml:"apiAuth,omitempty"`

	// Remove names the fields to remove, by their JSON names, dotted below the top
	// ("refresh.marginSeconds", "apiKey.probe"): what null means in a JSON merge patch. A removed
	// field gets its default; id and kind cannot be removed. Removals apply before the fields set.
	Remove []string `json:"-" yaml:"-"`
}

// RefreshPolicyPatch is a partial update of a RefreshPolicy.
type RefreshPolicyPatch struct {
	MarginSeconds           *int  `json:"marginSeconds,omitempty" yaml:"marginSeconds,omitempty"`
	RotatesRefreshToken     *bool `json:"rotatesRefreshToken,omitempty" yaml:"rotatesRefreshToken,omitempty"`
	FallbackLifetimeSeconds *int  `json:"fallbackLifetimeSeconds,omitempty" yaml:"fallbackLifetimeSeconds,omitempty"`
	Background              *bool `json:"background,omitempty" yaml:"background,omitempty"`
	IdleDays                *int  `json:"idleDays,omitempty" yaml:"idleDays,omitempty"`
}

// APIKeyPatch is a partial update of an APIKeyConfig.
type APIKeyPatch struct {
	Label          *string            `json:"label,omitempty" yaml:"label,omitempty"`
	FormatHint     *FormatHintPatch   `json:"formatHint,omitempty" yaml:"formatHint,omitempty"`
	Fields         *[]ConnectionField `json:"fields,omitempty" yaml:"fields,omitempty"`
	BaseURL        *string            `json:"baseUrl,omitempty" yaml:"baseUrl,omitempty"`
	Probe          *ProbePatch        `json:"probe,omitempty" yaml:"probe,omitempty"`
	RemoveProbe    bool               `json:"removeProbe,omitempty" yaml:"removeProbe,omitempty"`
	OverlapSeconds *int               `json:"overlapSeconds,omitempty" yaml:"overlapSeconds,omitempty"`
	MaxAttempts    *int               `json:"maxAttempts,omitempty" yaml:"maxAttempts,omitempty"`
	RecheckEvery   *string            `json:"recheckEvery,omitempty" yaml:"recheckEvery,omitempty"`
}

// FormatHintPatch is a partial update of a FormatHint.
type FormatHintPatch struct {
	Prefix  *string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Pattern *string `json:"pattern,omitempty" yaml:"pattern,omitempty"`
	Example *string `json:"example,omitempty" yaml:"example,omitempty"`
}

// ProbePatch is a partial update of a Probe.
type ProbePatch struct {
	Method         *string            `json:"method,omitempty" yaml:"method,omitempty"`
	Path           *string            `json:"path,omitempty" yaml:"path,omitempty"`
	KeyIn          *KeyPlacement      `json:"keyIn,omitempty" yaml:"keyIn,omitempty"`
	HeaderName     *string            `json:"headerName,omitempty" yaml:"headerName,omitempty"`
	Prefix         *string            `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	BasicPassword  *string            `json:"basicPassword,omitempty" yaml:"basicPassword,omitempty"`
	QueryParam     *string            `json:"queryParam,omitempty" yaml:"queryParam,omitempty"`
	BasicUsername  *string            `json:"basicUsername,omitempty" yaml:"basicUsername,omitempty"`
	Headers        map[string]*string `json:"headers,omitempty" yaml:"headers,omitempty"`
	ValidStatuses  *[]int             `json:"validStatuses,omitempty" yaml:"validStatuses,omitempty"`
	TimeoutSeconds *int               `json:"timeoutSeconds,omitempty" yaml:"timeoutSeconds,omitempty"`
}

// Apply returns a with the patch applied, defaults filled in and the result validated. On any
// problem it returns a unchanged and an *outbound.InvalidError listing every bad field, including a
// refused change of id or kind. CreatedAt and UpdatedAt are left to the caller, who owns the
// clock.
func (p AppPatch) Apply(a App) (App, error) {
	var probs Problems
	if p.ID != nil && *p.ID != a.ID {
		probs.Add("id", "cannot be changed after creation; create a new app instead")
	}
	if p.Kind != nil && *p.Kind != a.Kind {
		probs.Add("kind", "cannot be changed after creation; create a new app instead")
	}
	switch {
	case p.ClientSecret != nil && p.ClearClientSecret:
		probs.Add("clientSecret", "send either clientSecret or clearClientSecret, not both")
	case p.ClientSecret != nil && p.ClientSecret.IsZero():
		probs.Add("clientSecret", "is empty; omit it to keep the current secret, or send clearClientSecret: true to remove it")
	}
	out := a.Clone()
	p.remove(&out, &probs)
	p.applyTo(&out)
	out = out.WithDefaults()
	probs.Merge(out.Validate())
	if err := probs.Err(); err != nil {
		return a, err
	}
	return out, nil
}

// NewApp creates an app from scratch (a "custom" app): p carries the id, the kind and every
// field to set. PKCE is on for oauth2 apps unless p turns it off. The result is validated.
func NewApp(p AppPatch) (App, error) {
	var a App
	if p.ID != nil {
		a.ID = *p.ID
	}
	if p.Kind != nil {
		a.Kind = *p.Kind
	}
	a.PKCE = a.Kind == KindOAuth2
	return p.Apply(a)
}

func (p *AppPatch) applyTo(a *App) {
	set(&a.Name, p.Name)
	set(&a.Description, p.Description)
	set(&a.Logo, p.Logo)
	set(&a.DocsURL, p.DocsURL)
	set(&a.ScopesDocsURL, p.ScopesDocsURL)
	set(&a.ClientID, p.ClientID)
	if p.ClearClientSecret {
		a.ClientSecret = outbound.Secret{}
	}
	set(&a.ClientSecret, p.ClientSecret)
	set(&a.AuthorizationURL, p.AuthorizationURL)
	set(&a.TokenURL, p.TokenURL)
	set(&a.RefreshURL, p.RefreshURL)
	set(&a.RevocationURL, p.RevocationURL)
	set(&a.DiscoveryURL, p.DiscoveryURL)
	set(&a.UserInfoURL, p.UserInfoURL)
	set(&a.Issuer, p.Issuer)
	setList(&a.Scopes, p.Scopes)
	setList(&a.DefaultScopes, p.DefaultScopes)
	set(&a.ScopeSeparator, p.ScopeSeparator)
	set(&a.ScopeParam, p.ScopeParam)
	set(&a.PKCE, p.PKCE)
	set(&a.AccessType, p.AccessType)
	setList(&a.Prompt, p.Prompt)
	mergeMap(&a.AuthorizationParams, p.AuthorizationParams)
	mergeMap(&a.TokenParams, p.TokenParams)
	mergeMap(&a.RefreshParams, p.RefreshParams)
	set(&a.TokenAuthStyle, p.TokenAuthStyle)
	set(&a.TokenBodyFormat, p.TokenBodyFormat)
	set(&a.TokenResponsePath, p.TokenResponsePath)
	set(&a.CallbackDomain, p.CallbackDomain)
	set(&a.DefaultRedirectURL, p.DefaultRedirectURL)
	setList(&a.AllowedRedirectURLs, p.AllowedRedirectURLs)
	if r := p.Refresh; r != nil {
		set(&a.Refresh.MarginSeconds, r.MarginSeconds)
		set(&a.Refresh.RotatesRefreshToken, r.RotatesRefreshToken)
		set(&a.Refresh.FallbackLifetimeSeconds, r.FallbackLifetimeSeconds)
		if r.Background != nil {
			b := *r.Background
			a.Refresh.Background = &b
		}
		set(&a.Refresh.IdleDays, r.IdleDays)
	}
	setList(&a.APIBaseURLs, p.APIBaseURLs)
	set(&a.APIBaseURLFrom, p.APIBaseURLFrom)
	mergeMap(&a.APIHeaders, p.APIHeaders)
	if p.APIAuth != nil {
		if a.APIAuth == nil {
			a.APIAuth = &APIAuth{}
		}
		set(&a.APIAuth.Header, p.APIAuth.Header)
		set(&a.APIAuth.Prefix, p.APIAuth.Prefix)
	}
	if p.APIKey != nil {
		if a.APIKey == nil {
			a.APIKey = &APIKeyConfig{}
		}
		p.APIKey.applyTo(a.APIKey)
	}
}

func (p *APIKeyPatch) applyTo(k *APIKeyConfig) {
	set(&k.Label, p.Label)
	if h := p.FormatHint; h != nil {
		set(&k.FormatHint.Prefix, h.Prefix)
		set(&k.FormatHint.Pattern, h.Pattern)
		set(&k.FormatHint.Example, h.Example)
	}
	setList(&k.Fields, p.Fields)
	set(&k.BaseURL, p.BaseURL)
	if p.RemoveProbe {
		k.Probe = nil
	}
	if pp := p.Probe; pp != nil {
		if k.Probe == nil {
			k.Probe = &Probe{}
		}
		pr := k.Probe
		set(&pr.Method, pp.Method)
		set(&pr.Path, pp.Path)
		set(&pr.KeyIn, pp.KeyIn)
		set(&pr.HeaderName, pp.HeaderName)
		set(&pr.Prefix, pp.Prefix)
		set(&pr.BasicPassword, pp.BasicPassword)
		set(&pr.QueryParam, pp.QueryParam)
		set(&pr.BasicUsername, pp.BasicUsername)
		mergeMap(&pr.Headers, pp.Headers)
		setList(&pr.ValidStatuses, pp.ValidStatuses)
		set(&pr.TimeoutSeconds, pp.TimeoutSeconds)
	}
	set(&k.OverlapSeconds, p.OverlapSeconds)
	set(&k.RecheckEvery, p.RecheckEvery)
	set(&k.MaxAttempts, p.MaxAttempts)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// setList replaces a list; an empty list clears it.
func setList[T any](dst *[]T, v *[]T) {
	if v == nil {
		return
	}
	*dst = nil
	if len(*v) > 0 {
		*dst = slices.Clone(*v)
	}
}

// mergeMap merges patch into dst key by key; a nil value removes the key.
func mergeMap(dst *map[string]string, patch map[string]*string) {
	if patch == nil {
		return
	}
	out := maps.Clone(*dst)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	if len(out) == 0 {
		out = nil
	}
	*dst = out
}
