package apps

import (
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/outflowhq/outflow/internal/ids"
	"github.com/outflowhq/outflow/outbound"
)

// Errors of tenant settings; match them with errors.Is.
var (
	// ErrTenantSettingsNotFound means the tenant has no settings of its own for the app.
	ErrTenantSettingsNotFound = errors.New("apps: the tenant has no settings for this app")
	// ErrTenantRevisionGone means a connection was minted with tenant settings that are no
	// longer kept (the settings or their client were removed): only a new consent helps.
	ErrTenantRevisionGone = errors.New("apps: the tenant settings that minted the connection were removed")
)

// Which client minted a connection (TenantClient.Client).
const (
	// ClientApp is the app's own OAuth client.
	ClientApp = "app"
	// ClientTenant is a tenant's own OAuth client (TenantSettings.ClientID).
	ClientTenant = "tenant"
)

// TenantOverrides are what a tenant may set for itself on an app: its own OAuth client, the
// template's variables (a Zendesk subdomain, a Microsoft tenant, a self-hosted GitLab host),
// endpoints, scopes and authorization parameters. Empty fields keep the app's values;
// AuthorizationParams merge over the app's.
type TenantOverrides struct {
	// ClientID is the tenant's own OAuth client; empty uses the app's client.
	ClientID string `json:"clientId,omitempty" yaml:"clientId,omitempty"`
	// Variables fill the {placeholders} of the app's template with the tenant's values; only
	// for apps created from a template.
	Variables map[string]string `json:"variables,omitempty" yaml:"variables,omitempty"`

	AuthorizationURL string   `json:"authorizationUrl,omitempty" yaml:"authorizationUrl,omitempty"`
	TokenURL         string   `json:"tokenUrl,omitempty" yaml:"tokenUrl,omitempty"`
	RefreshURL       string   `json:"refreshUrl,omitempty" yaml:"refreshUrl,omitempty"`
	RevocationURL    string   `json:"revocationUrl,omitempty" yaml:"revocationUrl,omitempty"`
	DiscoveryURL     string   `json:"discoveryUrl,omitempty" yaml:"discoveryUrl,omitempty"`
	UserInfoURL      string   `json:"userInfoUrl,omitempty" yaml:"userInfoUrl,omitempty"`
	Issuer           string   `json:"issuer,omitempty" yaml:"issuer,omitempty"`
	APIBaseURLs      []string `json:"apiBaseUrls,omitempty" yaml:"apiBaseUrls,omitempty"`

	Scopes              []Scope           `json:"scopes,omitempty" yaml:"scopes,omitempty"`
	DefaultScopes       []string          `json:"defaultScopes,omitempty" yaml:"defaultScopes,omitempty"`
	AuthorizationParams map[string]string `json:"authorizationParams,omitempty" yaml:"authorizationParams,omitempty"`
}

func (o TenantOverrides) clone() TenantOverrides {
	out := o
	out.Variables = maps.Clone(o.Variables)
	out.APIBaseURLs = slices.Clone(o.APIBaseURLs)
	out.Scopes = slices.Clone(o.Scopes)
	out.DefaultScopes = slices.Clone(o.DefaultScopes)
	out.AuthorizationParams = maps.Clone(o.AuthorizationParams)
	return out
}

// TenantSettings are one tenant's settings of an OAuth app. A consent for an owner of the
// tenant (the tenant itself, or a user with its tenant id) uses them; the connection records
// the revision, and its refreshes and revocations keep using that revision's client and
// endpoints until the owner connects again.
//
// ClientSecret never appears in JSON or YAML; show settings with View.
type TenantSettings struct {
	AppID    string `json:"appId" yaml:"appId"`
	TenantID string `json:"tenantId" yaml:"tenantId"`
	// Revision grows by one on every change of the settings.
	Revision        int64 `json:"revision" yaml:"revision"`
	TenantOverrides `yaml:",inline"`
	ClientSecret    outbound.Secret `json:"-" yaml:"-"`
	CreatedAt       time.Time       `json:"createdAt,omitzero" yaml:"createdAt,omitempty"`
	UpdatedAt       time.Time       `json:"updatedAt,omitzero" yaml:"updatedAt,omitempty"`
}

// Client is ClientTenant when the settings name a client of their own, else ClientApp.
func (s *TenantSettings) Client() string {
	if s.ClientID != "" {
		return ClientTenant
	}
	return ClientApp
}

// Clone returns a deep copy.
func (s *TenantSettings) Clone() TenantSettings {
	out := *s
	out.TenantOverrides = s.TenantOverrides.clone()
	return out
}

// TenantSettingsView is how tenant settings are shown: no secret, whether one is set, and
// which client consents use.
type TenantSettingsView struct {
	TenantSettings  `yaml:",inline"`
	HasClientSecret bool `json:"hasClientSecret" yaml:"hasClientSecret"`
	// Client is ClientTenant or ClientApp.
	Client string `json:"client" yaml:"client"`
}

// View returns the settings as shown to API clients.
func (s *TenantSettings) View() TenantSettingsView {
	return TenantSettingsView{TenantSettings: s.Clone(), HasClientSecret: !s.ClientSecret.IsZero(), Client: s.Client()}
}

// TenantSettingsInput is the body of a put of tenant settings: it replaces every override.
// The client secret is write-only: absent keeps the stored one as long as the client id stays
// the same (a new client id needs its secret); clearClientSecret: true removes it (a public
// client relying on PKCE). Settings without a client id keep no secret.
type TenantSettingsInput struct {
	TenantOverrides   `yaml:",inline"`
	ClientSecret      *outbound.Secret `json:"clientSecret,omitempty" yaml:"-"`
	ClearClientSecret bool             `json:"clearClientSecret,omitempty" yaml:"clearClientSecret,omitempty"`
}

// TenantClient says which client and settings a consent uses: ClientApp at Revision 0 when
// the tenant has no settings.
type TenantClient struct {
	Client   string
	TenantID string
	Revision int64
}

// next builds the settings a put writes over cur (nil when the tenant has none), or the field
// errors of the input.
func (in *TenantSettingsInput) next(cur *TenantSettings, appID, tenantID string) (TenantSettings, error) {
	var p Problems
	if msg := ids.Check(tenantID); msg != "" {
		p.Add("tenantId", "%s", msg)
	}
	next := TenantSettings{AppID: appID, TenantID: tenantID, TenantOverrides: in.TenantOverrides.clone()}
	switch {
	case in.ClientSecret != nil && in.ClearClientSecret:
		p.Add("clientSecret", "send either clientSecret or clearClientSecret, not both")
	case in.ClientSecret != nil && in.ClientSecret.IsZero():
		p.Add("clientSecret", "is empty; omit it to keep the current secret, or send clearClientSecret: true to remove it")
	case in.ClientSecret != nil:
		next.ClientSecret = *in.ClientSecret
	case in.ClearClientSecret, next.ClientID == "":
		// Without a client of its own the tenant has no secret either.
	case cur != nil && cur.ClientID == next.ClientID:
		next.ClientSecret = cur.ClientSecret
	case cur != nil && !cur.ClientSecret.IsZero():
		p.Add("clientSecret", "the clientId changed: send the new client's secret, or clearClientSecret: true for a public client")
	}
	if next.ClientID == "" && !next.ClientSecret.IsZero() {
		p.Add("clientId", "required with a clientSecret: the tenant's client id")
	}
	if len(next.Variables) == 0 {
		next.Variables = nil
	}
	if len(next.AuthorizationParams) == 0 {
		next.AuthorizationParams = nil
	}
	if cur != nil {
		next.CreatedAt = cur.CreatedAt
	}
	return next, p.Err()
}

// same reports whether two settings are equal but for revision and timestamps.
func (s *TenantSettings) same(o *TenantSettings) bool {
	if !s.ClientSecret.Equal(o.ClientSecret) {
		return false
	}
	a, b := s.Clone(), o.Clone()
	a.Revision, a.CreatedAt, a.UpdatedAt, a.ClientSecret = 0, time.Time{}, time.Time{}, outbound.Secret{}
	b.Revision, b.CreatedAt, b.UpdatedAt, b.ClientSecret = 0, time.Time{}, time.Time{}, outbound.Secret{}
	return sameJSON(a, b)
}
