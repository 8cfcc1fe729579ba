package proxy

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

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
	// scheme is the Authorization scheme of an access token, from its token type ("Bearer"
	// when the provider named none).
	scheme string
	// refreshedAt is when the connection's token was last refreshed (OAuth).
	refreshedAt time.Time
	fields      map[string]string
	bases       []apps.APIBase
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
		c := &credential{connID: conn.ID, secret: tok.AccessToken, scheme: tokenScheme(tok.TokenType), refreshedAt: conn.LastRefreshAt}
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
func (s *session) oauthBases(ctx context.Context, conn *oauth.Connection) []apps.APIBase {
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
	own, ok := apps.ParseAPIBase(conn.APIBaseURL)
	if !ok || own.Wildcard() {
		return nil
	}
	u, err := url.Parse(own.String())
	if err != nil {
		return nil
	}
	if anyContains(patterns, u) {
		return []apps.APIBase{own}
	}
	return nil
}

// place puts the credential on out, as the app says: an OAuth token in Authorization (or
// App.APIAuth's header and prefix), an API key as its probe settings place it.
func (s *session) place(out *http.Request, c *credential) error {
	if s.app.Kind == apps.KindOAuth2 {
		if a := s.app.APIAuth; a != nil && a.Header != "" {
			out.Header.Set(a.Header, a.Prefix+c.secret)
			return nil
		}
		out.Header.Set("Authorization", c.scheme+" "+c.secret)
		return nil
	}
	// The key goes where the probe puts it (apps.APIKeyConfig.PlaceKey); a query parameter
	// changes the URL, which out still shares with the caller's request.
	u := *out.URL
	out.URL = &u
	if err := s.app.APIKey.PlaceKey(out, c.secret, c.fields); err != nil {
		return fmt.Errorf("proxy: app %q: %w", s.app.ID, err)
	}
	return nil
}

// tokenScheme is the Authorization scheme for a token type, as x/oauth2 writes it: "Bearer"
// for none or any case of "bearer" (most providers answer "bearer"), "MAC" and "Basic" for
// theirs, anything else as the provider spelled it.
func tokenScheme(tokenType string) string {
	return (&oauth2.Token{TokenType: tokenType}).Type()
}

// appPatterns are the bases an app's credential may go to, as patterns: App.APIBaseURLs, or for
// an apikey app without them, its apiKey.baseUrl.
func appPatterns(app *apps.App) []apps.APIBase {
	raw := app.APIBaseURLs
	if len(raw) == 0 && app.APIKey != nil && app.APIKey.BaseURL != "" {
		raw = []string{app.APIKey.BaseURL}
	}
	return apps.ParseAPIBases(raw)
}

// origin is u's scheme and host, for messages.
func origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
