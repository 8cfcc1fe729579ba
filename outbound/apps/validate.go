package apps

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/outbound"
)

// ErrInvalidApp matches every app rejected for its fields: an *outbound.InvalidError of this kind
// (errors.Is), for callers that only need to know that the input was rejected (an HTTP layer
// maps it to 400).
var ErrInvalidApp = errors.New("apps: invalid app")

// Problems collects field errors, keeping only the first one per field.
type Problems struct {
	// List is the field errors, in the order they were added.
	List []outbound.FieldError
	seen map[string]bool
}

// Add records a problem with field unless it already has one.
func (p *Problems) Add(field, format string, args ...any) {
	if p.seen[field] {
		return
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[field] = true
	p.List = append(p.List, outbound.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Merge adds the field errors carried by err (an *outbound.InvalidError of kind ErrInvalidApp);
// any other non-nil error is reported against field "" so nothing is lost.
func (p *Problems) Merge(err error) {
	var ve *outbound.InvalidError
	switch {
	case err == nil:
	case errors.As(err, &ve) && errors.Is(ve, ErrInvalidApp):
		for _, f := range ve.Fields {
			p.Add(f.Field, "%s", f.Message)
		}
	default:
		p.Add("", "%s", err.Error())
	}
}

func (p *Problems) has(field string) bool { return p.seen[field] }

// Err is nil when no problem was added, else an *outbound.InvalidError of kind ErrInvalidApp
// listing them.
func (p *Problems) Err() error {
	if len(p.List) == 0 {
		return nil
	}
	return outbound.Invalid(ErrInvalidApp, p.List...)
}

var (
	// tokenResponsePathRE: dot-separated JSON member names.
	tokenResponsePathRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	scopeParamRE        = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

const (
	maxNameLen        = 100
	maxDescriptionLen = 2000
	maxClientIDLen    = 512
	maxMarginSeconds  = 86400
	maxFallbackSecs   = 366 * 86400
)

// Validate checks the app and returns nil or an *outbound.InvalidError with one message per bad field.
// Run it on every write; AppPatch.Apply, NewApp and Template.NewApp do.
func (a *App) Validate() error {
	var p Problems
	a.validateCommon(&p)
	a.validateAPI(&p)
	switch a.Kind {
	case KindOAuth2:
		a.validateOAuth2(&p)
		if a.APIKey != nil {
			p.Add("apiKey", "only apikey apps have an apiKey block; remove it")
		}
	case KindAPIKey:
		a.validateNoOAuth2(&p)
		a.validateAPIKey(&p)
	}
	return p.Err()
}

func (a *App) validateCommon(p *Problems) {
	switch {
	case a.ID == "":
		p.Add("id", "required: a slug such as google-contacts")
	case !outbound.IsAppID(a.ID):
		p.Add("id", "must be 1 to 63 lowercase letters, digits or '-', starting with a letter or digit (for example google-contacts)")
	}
	switch a.Kind {
	case KindOAuth2, KindAPIKey:
	case "":
		p.Add("kind", "required: oauth2 or apikey")
	default:
		p.Add("kind", "%q is not a kind; use oauth2 or apikey", a.Kind)
	}
	switch {
	case strings.TrimSpace(a.Name) == "":
		p.Add("name", "required: the name shown to users, for example Google Contacts")
	case len(a.Name) > maxNameLen:
		p.Add("name", "is longer than %d characters", maxNameLen)
	case outbound.HasControl(a.Name):
		p.Add("name", "contains control characters")
	}
	if len(a.Description) > maxDescriptionLen {
		p.Add("description", "is longer than %d characters", maxDescriptionLen)
	}
	if a.Logo != "" {
		if msg := checkLogo(a.Logo); msg != "" {
			p.Add("logo", "%s", msg)
		}
	}
	if a.TemplateID != "" && !outbound.IsAppID(a.TemplateID) {
		p.Add("templateId", "is not a template id (lowercase letters, digits and '-')")
	}
	checkDocLinkField(p, "docsUrl", a.DocsURL)
	checkDocLinkField(p, "scopesDocsUrl", a.ScopesDocsURL)
}

func (a *App) validateOAuth2(p *Problems) {
	switch {
	case a.ClientID == "":
		p.Add("clientId", "required: the client id the provider issued when you registered the app")
	case len(a.ClientID) > maxClientIDLen:
		p.Add("clientId", "is longer than %d characters", maxClientIDLen)
	case strings.ContainsFunc(a.ClientID, IsSpaceOrControl):
		p.Add("clientId", "contains spaces or control characters; paste it again")
	}
	switch {
	case a.ClientSecret.IsZero() && !a.PKCE:
		p.Add("clientSecret", "required when pkce is off: a client without a secret must use PKCE")
	case a.ClientSecret.HasControl():
		p.Add("clientSecret", "contains control characters; paste it again")
	}
	if a.DiscoveryURL == "" {
		if a.AuthorizationURL == "" {
			p.Add("authorizationUrl", "required unless discoveryUrl is set")
		}
		if a.TokenURL == "" {
			p.Add("tokenUrl", "required unless discoveryUrl is set")
		}
	}
	checkURLField(p, "authorizationUrl", a.AuthorizationURL)
	checkURLField(p, "tokenUrl", a.TokenURL)
	checkURLField(p, "refreshUrl", a.RefreshURL)
	checkURLField(p, "revocationUrl", a.RevocationURL)
	checkURLField(p, "discoveryUrl", a.DiscoveryURL)
	checkURLField(p, "userInfoUrl", a.UserInfoURL)
	if a.Issuer != "" {
		if msg := CheckIssuer(a.Issuer); msg != "" {
			p.Add("issuer", "%s", msg)
		}
	}
	a.validateScopes(p)
	a.validateRequestKnobs(p)
	a.validateRedirects(p)
	if r := a.Refresh.MarginSeconds; r < 0 || r > maxMarginSeconds {
		p.Add("refresh.marginSeconds", "must be between 0 (default %d) and %d", DefaultRefreshMarginSeconds, maxMarginSeconds)
	}
	if d := a.Refresh.IdleDays; d < 0 || d > 3650 {
		p.Add("refresh.idleDays", "must be between 0 (default %d) and 3650", DefaultIdleDays)
	}
	if r := a.Refresh.FallbackLifetimeSeconds; r < 0 || r > maxFallbackSecs {
		p.Add("refresh.fallbackLifetimeSeconds", "must be between 0 (default %d) and %d", DefaultFallbackLifetimeSeconds, maxFallbackSecs)
	}
}

func (a *App) validateScopes(p *Problems) {
	sep := a.ScopeSep()
	switch a.ScopeSeparator {
	case "", " ", ",":
	default:
		p.Add("scopeSeparator", "must be \" \" (the default) or \",\"")
	}
	switch {
	case a.ScopeParam == "":
	case !scopeParamRE.MatchString(a.ScopeParam) || (a.ScopeParam != "scope" && reservedAuthParams[a.ScopeParam] != ""):
		p.Add("scopeParam", "must be a parameter name such as scope or user_scope, not one the connect flow sets")
	case hasKey(a.AuthorizationParams, a.ScopeParam):
		p.Add("scopeParam", "is also set in authorizationParams; remove it there")
	}
	index := make(map[string]int, len(a.Scopes))
	for i, s := range a.Scopes {
		field := fmt.Sprintf("scopes[%d].name", i)
		if msg := checkScopeName(s.Name, sep); msg != "" {
			p.Add(field, "%s", msg)
			continue
		}
		if j, dup := index[s.Name]; dup {
			p.Add(field, "duplicates scopes[%d]; list each scope once", j)
			continue
		}
		index[s.Name] = i
		if len(s.Description) > maxDescriptionLen {
			p.Add(fmt.Sprintf("scopes[%d].description", i), "is longer than %d characters", maxDescriptionLen)
		}
	}
	seen := map[string]bool{}
	for i, s := range a.DefaultScopes {
		field := fmt.Sprintf("defaultScopes[%d]", i)
		switch _, listed := index[s]; {
		case checkScopeName(s, sep) != "":
			p.Add(field, "%s", checkScopeName(s, sep))
		case seen[s]:
			p.Add(field, "is listed twice")
		case len(a.Scopes) > 0 && !listed:
			p.Add(field, "%q is not in scopes; add it to scopes or remove it here", s)
		}
		seen[s] = true
	}
}

func checkScopeName(name, sep string) string {
	switch {
	case name == "":
		return "required: a scope name"
	case strings.ContainsFunc(name, IsSpaceOrControl):
		return "must not contain spaces or control characters"
	case sep != " " && strings.Contains(name, sep):
		return fmt.Sprintf("must not contain the scope separator %q", sep)
	case placeholderRE.MatchString(name):
		return "contains the unfilled placeholder " + placeholderRE.FindString(name) + "; create the app from its template with that variable"
	}
	return ""
}

var (
	reservedAuthParams = map[string]string{
		"response_type":         "is set by the connect flow; remove it",
		"client_id":             "comes from clientId; remove it",
		"redirect_uri":          "is the app's callback URL; remove it",
		"state":                 "is set by the connect flow; remove it",
		"scope":                 "comes from the requested scopes; use defaultScopes instead",
		"code_challenge":        "is set by the connect flow; use pkce instead",
		"code_challenge_method": "is set by the connect flow; use pkce instead",
		"nonce":                 "is set by the connect flow; remove it",
		"access_type":           "use the accessType field instead",
		"prompt":                "use the prompt field instead",
	}
	reservedTokenParams = map[string]string{
		"grant_type":    "is set by the token exchange; remove it",
		"code":          "is set by the token exchange; remove it",
		"redirect_uri":  "is the app's callback URL; remove it",
		"code_verifier": "is set by the token exchange; use pkce instead",
		"client_id":     "comes from clientId; remove it",
		"client_secret": "comes from clientSecret; remove it",
		"refresh_token": "is set by the token refresh; remove it",
	}
	validPrompts = []string{PromptNone, PromptLogin, PromptConsent, PromptSelectAccount}
)

func (a *App) validateRequestKnobs(p *Problems) {
	switch a.AccessType {
	case "", AccessTypeOffline, AccessTypeOnline:
	default:
		p.Add("accessType", "%q is not valid; use offline, online or leave it empty", a.AccessType)
	}
	seen := map[string]bool{}
	for i, v := range a.Prompt {
		field := fmt.Sprintf("prompt[%d]", i)
		switch {
		case !slices.Contains(validPrompts, v):
			p.Add(field, "%q is not valid; use none, login, consent or select_account", v)
		case seen[v]:
			p.Add(field, "is listed twice")
		case v == PromptNone && len(a.Prompt) > 1:
			p.Add(field, "none cannot be combined with other prompt values")
		}
		seen[v] = true
	}
	checkParams(p, "authorizationParams", a.AuthorizationParams, reservedAuthParams)
	checkParams(p, "tokenParams", a.TokenParams, reservedTokenParams)
	checkParams(p, "refreshParams", a.RefreshParams, reservedTokenParams)
	switch a.TokenAuthStyle {
	case TokenAuthAuto, TokenAuthHeader, TokenAuthParams:
	default:
		p.Add("tokenAuthStyle", "%q is not valid; use header, params or leave it empty (auto)", a.TokenAuthStyle)
	}
	switch a.TokenBodyFormat {
	case TokenBodyForm, TokenBodyJSON, "form":
	default:
		p.Add("tokenBodyFormat", "%q is not valid; use form (the default) or json", a.TokenBodyFormat)
	}
	if a.TokenResponsePath != "" && !tokenResponsePathRE.MatchString(a.TokenResponsePath) {
		p.Add("tokenResponsePath", "must be a dot path of member names, for example authed_user")
	}
}

func checkParams(p *Problems, field string, params map[string]string, reserved map[string]string) {
	for _, k := range sortedKeys(params) {
		path := field + "." + k
		switch {
		case k == "" || strings.ContainsFunc(k, IsSpaceOrControl):
			p.Add(path, "parameter names must be non-empty and contain no spaces")
		case reserved[k] != "":
			p.Add(path, "%s", reserved[k])
		case outbound.HasControl(params[k]):
			p.Add(path, "the value contains control characters")
		}
	}
}

func (a *App) validateRedirects(p *Problems) {
	if a.CallbackDomain != "" && !hostRE.MatchString(a.CallbackDomain) {
		p.Add("callbackDomain", "must be a lowercase host name such as auth.example.com, without scheme or path")
	}
	checkURLField(p, "defaultRedirectUrl", a.DefaultRedirectURL)
	seen := map[string]bool{}
	for i, u := range a.AllowedRedirectURLs {
		field := fmt.Sprintf("allowedRedirectUrls[%d]", i)
		if checkURLField(p, field, u); !p.has(field) && seen[u] {
			p.Add(field, "is listed twice")
		}
		seen[u] = true
	}
	if a.DefaultRedirectURL != "" && len(a.AllowedRedirectURLs) > 0 && !seen[a.DefaultRedirectURL] {
		p.Add("defaultRedirectUrl", "is not in allowedRedirectUrls; add it there")
	}
}

// validateNoOAuth2 reports every OAuth-only field set on an apikey app.
func (a *App) validateNoOAuth2(p *Problems) {
	set := []struct {
		field string
		isSet bool
	}{
		{"clientId", a.ClientID != ""},
		{"clientSecret", !a.ClientSecret.IsZero()},
		{"authorizationUrl", a.AuthorizationURL != ""},
		{"tokenUrl", a.TokenURL != ""},
		{"refreshUrl", a.RefreshURL != ""},
		{"revocationUrl", a.RevocationURL != ""},
		{"discoveryUrl", a.DiscoveryURL != ""},
		{"userInfoUrl", a.UserInfoURL != ""},
		{"issuer", a.Issuer != ""},
		{"scopes", len(a.Scopes) > 0},
		{"defaultScopes", len(a.DefaultScopes) > 0},
		{"scopeSeparator", a.ScopeSeparator != ""},
		{"scopeParam", a.ScopeParam != ""},
		{"pkce", a.PKCE},
		{"accessType", a.AccessType != ""},
		{"prompt", len(a.Prompt) > 0},
		{"authorizationParams", len(a.AuthorizationParams) > 0},
		{"tokenParams", len(a.TokenParams) > 0},
		{"refreshParams", len(a.RefreshParams) > 0},
		{"tokenAuthStyle", a.TokenAuthStyle != ""},
		{"tokenBodyFormat", a.TokenBodyFormat != ""},
		{"tokenResponsePath", a.TokenResponsePath != ""},
		{"callbackDomain", a.CallbackDomain != ""},
		{"defaultRedirectUrl", a.DefaultRedirectURL != ""},
		{"allowedRedirectUrls", len(a.AllowedRedirectURLs) > 0},
		{"refresh", a.Refresh != RefreshPolicy{}},
	}
	for _, s := range set {
		if s.isSet {
			p.Add(s.field, "only oauth2 apps use this; remove it from an apikey app")
		}
	}
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// IsSpaceOrControl reports whether r is a space or a control character.
func IsSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
