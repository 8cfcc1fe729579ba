package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// Status is the health of a connection.
type Status string

// Connection statuses.
const (
	// StatusActive: the connection has a usable token or can refresh one.
	StatusActive Status = "active"
	// StatusNeedsReauth: the provider refused the refresh token (invalid_grant: revoked,
	// expired or reused) or the access token expired with no refresh token. Fetches fail at once
	// with a *ReauthRequiredError, without calling the provider; the user must connect again.
	StatusNeedsReauth Status = "needs_reauth"
	// StatusRevoked: the connection is being disconnected; its tokens are revoked at the provider
	// and it is deleted right after. Fetches fail at once.
	StatusRevoked Status = "revoked"
)

// How a connection's expiry was learned (Connection.ExpirySource).
const (
	// ExpiryProvider: expires_in of the token response.
	ExpiryProvider = "provider"
	// ExpiryJWT: the exp claim of an access token that is a JWT (the response had no expires_in).
	ExpiryJWT = "jwt"
	// ExpiryFallback: neither; the app's refresh.fallbackLifetimeSeconds was assumed.
	ExpiryFallback = "fallback"
	// ExpiryImported: given by whoever imported the token.
	ExpiryImported = "imported"
)

// Connection is one grant an owner gave an app: its identity, scopes and health. It never
// carries a token (see Token); it is safe to log, to put in events and to return to clients.
type Connection struct {
	ID    string         `json:"id"`
	AppID string         `json:"appId"`
	Owner outbound.Owner `json:"owner"`
	// ExternalID tells apart several accounts of one provider connected by the same owner.
	ExternalID string `json:"externalId,omitempty"`
	// Subject is the provider's id of the account: the id_token's sub or, without one, the sub
	// (else id) of the app's user-info endpoint, when the provider says.
	Subject string `json:"subject,omitempty"`
	// Scopes are the granted scopes: the token response's scope, else the requested ones.
	Scopes    []string `json:"scopes"`
	TokenType string   `json:"tokenType,omitempty"`
	Status    Status   `json:"status"`
	// StatusReason says why the status is not active.
	StatusReason string `json:"statusReason,omitempty"`
	// ExpiresAt is when the access token expires; never zero (see ExpirySource).
	ExpiresAt       time.Time `json:"expiresAt"`
	ExpirySource    string    `json:"expirySource,omitempty"`
	HasRefreshToken bool      `json:"hasRefreshToken"`
	// APIBaseURL is the connection's own API base, from the token-response member the app's
	// apiBaseUrlFrom names (Salesforce's instance_url, Wrike's host made a URL); kept across
	// refreshes that do not repeat it.
	APIBaseURL    string    `json:"apiBaseUrl,omitempty"`
	LastRefreshAt time.Time `json:"lastRefreshAt,omitzero"`
	// LastRefreshError is the last refresh failure (an RFC 6749 error code and a short text),
	// cleared by the next success. It never holds a token.
	LastRefreshError string `json:"lastRefreshError,omitempty"`
	// NextRefreshAt, after a transient refresh failure, is the earliest time the vault calls the
	// provider again for this connection.
	NextRefreshAt   time.Time `json:"nextRefreshAt,omitzero"`
	RefreshFailures int       `json:"refreshFailures,omitempty"`
	// GrantedBy records who granted the connection (e.g. an importer's note or "consent").
	GrantedBy string `json:"grantedBy,omitempty"`
	// ConnectedAt is when the owner last consented (or the token was last imported).
	ConnectedAt time.Time `json:"connectedAt"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`

	// Metadata is the host's own small object about the connection (a CRM region, a workspace
	// name): string, number or boolean values under at most MaxMetadataKeys keys (see
	// CheckMetadata). It is stored in the clear: never put a secret in it.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Client is the OAuth client that minted the connection: apps.ClientApp (the app's own;
	// empty means the same) or apps.ClientTenant (its tenant's own, see apps.TenantSettings).
	Client string `json:"client,omitempty"`
	// SettingsTenantID and SettingsRevision name the tenant settings revision the connection
	// was minted with (0: the app's own settings). Refreshes and revocations use that revision's
	// client and endpoints until the owner connects again.
	SettingsTenantID string `json:"settingsTenantId,omitempty"`
	SettingsRevision int64  `json:"settingsRevision,omitempty"`
}

// HasScopes reports whether the granted scopes include every one of want.
func (c *Connection) HasScopes(want ...string) bool { return len(missingScopes(c.Scopes, want)) == 0 }

// LogValue shows the connection's identity and health (it holds no secret).
func (c Connection) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", c.ID), slog.String("app", c.AppID),
		slog.String("ownerKind", c.Owner.Kind()), slog.String("owner", c.Owner.ID()),
		slog.String("status", string(c.Status)), slog.Time("expiresAt", c.ExpiresAt),
	)
}

func (c *Connection) clone() Connection {
	out := *c
	out.Scopes = slices.Clone(c.Scopes)
	out.Metadata = maps.Clone(c.Metadata)
	return out
}

// Token is a usable access token for a connection. It is the only value that carries
// credentials out of the vault: printing it with fmt or slog shows REDACTED in place of each
// token, so a stray log line cannot leak one, and marshalling it to JSON or YAML fails with
// ErrTokenMarshal. To send a token on, copy the fields into a type of your own.
type Token struct {
	AccessToken string
	TokenType   string
	ExpiresAt   time.Time
	Scopes      []string
	// RefreshToken is set only when the fetch asked for it (FetchRequest.WithRefreshToken).
	RefreshToken string
}

// ExpiresIn is how long the token has left at now (never negative).
func (t *Token) ExpiresIn(now time.Time) time.Duration { return max(t.ExpiresAt.Sub(now), 0) }

// LogValue hides the tokens.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("accessToken", redactedOrEmpty(t.AccessToken)),
		slog.String("refreshToken", redactedOrEmpty(t.RefreshToken)),
		slog.String("tokenType", t.TokenType), slog.Time("expiresAt", t.ExpiresAt),
		slog.Any("scopes", t.Scopes),
	)
}

// Format prints the token with its secrets redacted, for every verb.
func (t Token) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, t.String())
}

// String shows the token with its secrets redacted.
func (t Token) String() string {
	return fmt.Sprintf("Token{AccessToken:%s TokenType:%s ExpiresAt:%s Scopes:%v RefreshToken:%s}",
		redactedOrEmpty(t.AccessToken), t.TokenType, t.ExpiresAt.UTC().Format(time.RFC3339), t.Scopes, redactedOrEmpty(t.RefreshToken))
}

// GoString is String, so %#v cannot print a token either.
func (t Token) GoString() string { return t.String() }

// ErrTokenMarshal is returned when something tries to serialise a Token or an ImportRequest.
var ErrTokenMarshal = errors.New("oauth: a token is never marshalled; copy the fields you send into a type of your own")

// MarshalJSON always fails with ErrTokenMarshal, so a token cannot reach a response, a log or a
// cache by way of encoding/json.
func (t Token) MarshalJSON() ([]byte, error) { return nil, ErrTokenMarshal }

// MarshalYAML always fails with ErrTokenMarshal.
func (t Token) MarshalYAML() (any, error) { return nil, ErrTokenMarshal }

func redactedOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return outbound.Redacted
}

var (
	_ slog.LogValuer = Token{}
	_ fmt.Formatter  = Token{}
	_ json.Marshaler = Token{}
	_ fmt.Formatter  = ImportRequest{}
	_ json.Marshaler = ImportRequest{}
	_ slog.LogValuer = Connection{}
)

// missingScopes returns the scopes of want not in have, in want's order, without duplicates.
func missingScopes(have, want []string) []string {
	var out []string
	for _, s := range want {
		if s != "" && !slices.Contains(have, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// unionScopes returns a followed by the scopes of b not in a.
func unionScopes(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
