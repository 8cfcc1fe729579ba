package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Token type hints of RFC 7009, also the names in DisconnectedConnection.Revoked.
const (
	HintRefreshToken = "refresh_token"
	HintAccessToken  = "access_token"
)

// revokeTokens revokes a connection's tokens at the provider (RFC 7009): the refresh token first,
// which with most providers ends the whole grant, then the access token. It returns the token
// types the provider accepted and the first failure.
func (v *Vault) revokeTokens(ctx context.Context, app *apps.App, c *storedConn) ([]string, error) {
	pc, err := v.provider(ctx, *app)
	if err != nil {
		return nil, err
	}
	if pc.revocationURL == "" {
		return nil, errNoRevocation
	}
	var revoked []string
	for _, t := range []struct{ hint, field, sealed string }{
		{HintRefreshToken, fieldRefresh, c.Refresh},
		{HintAccessToken, fieldAccess, c.Access},
	} {
		if t.sealed == "" {
			continue
		}
		plain, err := v.open(c, t.field, t.sealed)
		if err != nil {
			return revoked, err
		}
		if err := v.revokeToken(ctx, app, pc.revocationURL, plain, t.hint); err != nil {
			return revoked, fmt.Errorf("revoke %s: %w", t.hint, err)
		}
		revoked = append(revoked, t.hint)
	}
	return revoked, nil
}

// errNoRevocation: the app has no revocation endpoint.
var errNoRevocation = fmt.Errorf("the app has no revocationUrl; the tokens stay valid at the provider until they expire")

// revokeToken sends one RFC 7009 revocation request, authenticating as the client the way the
// app's tokenAuthStyle says (HTTP Basic unless it says params).
func (v *Vault) revokeToken(ctx context.Context, app *apps.App, endpoint, token, hint string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	secret := app.ClientSecret.Reveal()
	basic := app.TokenAuthStyle != apps.TokenAuthParams && secret != ""
	if !basic {
		form.Set("client_id", app.ClientID)
		if secret != "" {
			form.Set("client_secret", secret)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, v.vo.ProviderTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tracing.WithCall(ctx, "oauth.revoke"), http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		req.SetBasicAuth(url.QueryEscape(app.ClientID), url.QueryEscape(secret))
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("provider unreachable: %s", oneLine(strings.ReplaceAll(err.Error(), endpoint, "revocationUrl"), 200))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Error != "" {
		return fmt.Errorf("provider answered %d %s", resp.StatusCode, errorCode(e.Error))
	}
	return fmt.Errorf("provider answered %d", resp.StatusCode)
}
