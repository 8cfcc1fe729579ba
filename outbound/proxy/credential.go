package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// apiKeyConnection is the connection id an API key's back-off is recorded under: an owner holds
// one key per app.
const apiKeyConnection = "apikey"

// credential is what one request carries: the connection's id, its secret and how it is placed,
// and the concrete API bases it may be sent to.
type credential struct {
	connID string
	// secret is the access token or the API key; only place puts it on a request.
	secret string
	// refreshedAt is when the connection's token was last refreshed (OAuth).
	refreshedAt time.Time
	fields      map[string]string
	bases       []base
}

// owner is the target's owner.
func (t *Target) owner() outbound.Owner {
	return outbound.Owner{UserID: t.UserID, TenantID: t.TenantID}
}

// credential fetches the target's credential: an access token from the vault (refreshed if due;
// with rejected, a token the API refused, refreshed unless someone did already), or the API key.
func (s *session) credential(ctx context.Context, rejected string) (*credential, error) {
	switch s.app.Kind {
	case apps.KindOAuth2:
		if s.p.opts.Vault == nil {
			return nil, fmt.Errorf("proxy: app %q: %w: the proxy has no token vault", s.app.ID, ErrNoStore)
		}
		tok, conn, err := s.p.opts.Vault.Fetch(ctx, oauth.FetchRequest{
			AppID: s.app.ID, Owner: s.t.owner(), Scopes: s.t.Scopes,
			ExternalID: s.t.ExternalID, ConnectionID: s.t.ConnectionID, Rejected: rejected,
		})
		if err != nil {
			return nil, err
		}
		c := &credential{connID: conn.ID, secret: tok.AccessToken, refreshedAt: conn.LastRefreshAt}
		c.bases = s.oauthBases(ctx, conn)
		return c, nil
	case apps.KindAPIKey:
		if s.p.opts.APIKeys == nil {
			return nil, fmt.Errorf("proxy: app %q: %w: the proxy has no API-key store", s.app.ID, ErrNoStore)
		}
		k, err := s.p.opts.APIKeys.Fetch(ctx, s.t.owner(), s.app.ID)
		if err != nil {
			return nil, err
		}
		c := &credential{connID: apiKeyConnection, secret: k.APIKey.Reveal(), fields: k.Fields}
		c.bases = concrete(s.patterns)
		return c, nil
	}
	return nil, fmt.Errorf("proxy: app %q has no credential of kind %q", s.app.ID, s.app.Kind)
}

// oauthBases are the bases an OAuth connection's token may go to: with App.APIBaseURLFrom, the
// connection's own base (its host, under the path prefix of the pattern it matches); else the
// app's bases without placeholders. A connection minted with a tenant's settings takes the
// bases of those settings (a tenant's own instance); none when they are gone.
func (s *session) oauthBases(ctx context.Context, conn *oauth.Connection) []base {
	patterns := s.patterns
	if conn.SettingsRevision > 0 {
		minted, err := s.p.opts.Apps.ForTenantRevision(ctx, *s.app, conn.SettingsTenantID, conn.SettingsRevision)
		if err != nil {
			return nil
		}
		patterns = appPatterns(&minted)
	}
	if s.app.APIBaseURLFrom == "" {
		return concrete(patterns)
	}
	own, ok := parseBase(conn.APIBaseURL)
	if !ok || own.isPattern() {
		return nil
	}
	for _, b := range patterns {
		if b.scheme == own.scheme && b.hostMatches(own.host) {
			return []base{{scheme: own.scheme, host: own.host, path: b.path}}
		}
	}
	return nil
}

// concrete are the bases of patterns without a wildcard.
func concrete(patterns []base) []base {
	var out []base
	for _, b := range patterns {
		if !b.isPattern() {
			out = append(out, b)
		}
	}
	return out
}

// place puts the credential on out, as the app says: an OAuth token in Authorization (or
// App.APIAuth's header and prefix), an API key as its probe settings place it.
func (s *session) place(out *http.Request, c *credential) error {
	if s.app.Kind == apps.KindOAuth2 {
		if a := s.app.APIAuth; a != nil && a.Header != "" {
			out.Header.Set(a.Header, a.Prefix+c.secret)
			return nil
		}
		out.Header.Set("Authorization", "Bearer "+c.secret)
		return nil
	}
	p := &apps.Probe{}
	if s.app.APIKey != nil && s.app.APIKey.Probe != nil {
		p = s.app.APIKey.Probe
	}
	switch p.KeyIn {
	case apps.KeyInBearer, "":
		out.Header.Set("Authorization", "Bearer "+c.secret)
	case apps.KeyInHeader:
		out.Header.Set(p.HeaderName, c.secret)
	case apps.KeyInQuery:
		q := out.URL.Query()
		q.Set(p.QueryParam, c.secret)
		u := *out.URL
		u.RawQuery = q.Encode()
		out.URL = &u
	case apps.KeyInBasic:
		user, err := basicUser(p.BasicUsername, c.fields)
		if err != nil {
			return fmt.Errorf("proxy: app %q: %w", s.app.ID, err)
		}
		if user == "" {
			out.SetBasicAuth(c.secret, "")
		} else {
			out.SetBasicAuth(user, c.secret)
		}
	default:
		return fmt.Errorf("proxy: app %q places its key in %q, which the proxy does not know", s.app.ID, p.KeyIn)
	}
	return nil
}

// placeholder matches a {field} placeholder of a basic-auth user name.
var placeholder = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9_]*)\}`)

// basicUser fills the {field} placeholders of a basic-auth user name.
func basicUser(tmpl string, fields map[string]string) (string, error) {
	var bad error
	out := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		v := fields[m[1:len(m)-1]]
		if v == "" {
			bad = errors.New("the basic user name needs connection field " + m)
		}
		return v
	})
	return out, bad
}

// appPatterns are the bases an app's credential may go to, as patterns: App.APIBaseURLs, or for
// an apikey app without them, its apiKey.baseUrl.
func appPatterns(app *apps.App) []base {
	raw := app.APIBaseURLs
	if len(raw) == 0 && app.APIKey != nil && app.APIKey.BaseURL != "" {
		raw = []string{app.APIKey.BaseURL}
	}
	return parseBases(raw)
}

// origin is u's scheme and host, for messages.
func origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
