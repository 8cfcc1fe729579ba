package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// providerConf is what talking to one app's provider takes: the x/oauth2 configuration (kept
// per app, so x/oauth2's client-authentication probe runs once, not on every call) and an HTTP
// client whose transport adapts token requests and responses to the app's quirks.
type providerConf struct {
	fp   string
	conf *oauth2.Config
	// refresh is conf aimed at the app's refresh URL, or conf itself when it has none.
	refresh       *oauth2.Config
	client        *http.Client
	revocationURL string
	issuer        string
}

// provider returns the provider configuration of app, building it when the app changed.
func (v *Vault) provider(ctx context.Context, app apps.App) (*providerConf, error) {
	fp := appFingerprint(app)
	// One configuration per client of the app: the app's own and each tenant's.
	confKey := app.ID + "\x00" + app.ClientID + "\x00" + app.TokenURL + "\x00" + app.DiscoveryURL
	v.confMu.Lock()
	pc := v.confs[confKey]
	v.confMu.Unlock()
	if pc != nil && pc.fp == fp {
		return pc, nil
	}
	ep, err := v.endpoints(ctx, app)
	if err != nil {
		return nil, err
	}
	pc = &providerConf{fp: fp, revocationURL: ep.revocation, issuer: ep.issuer}
	pc.conf = &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret.Reveal(),
		Endpoint:     oauth2.Endpoint{AuthURL: ep.authorization, TokenURL: ep.token, AuthStyle: authStyle(app.TokenAuthStyle)},
		RedirectURL:  app.CallbackURL(v.opts.PublicURL),
	}
	pc.refresh = pc.conf
	if app.RefreshURL != "" {
		rc := *pc.conf
		rc.Endpoint.TokenURL = app.RefreshURL
		pc.refresh = &rc
	}
	base := v.client
	client := *base
	client.Transport = &tokenTransport{
		base:          transportOf(base),
		endpoints:     []string{ep.token, app.RefreshURL},
		params:        app.TokenParams,
		refreshParams: app.RefreshParams,
		json:          app.TokenBodyFormat == apps.TokenBodyJSON,
		path:          splitPath(app.TokenResponsePath),
	}
	pc.client = &client
	v.confMu.Lock()
	v.confs[confKey] = pc
	v.confMu.Unlock()
	return pc, nil
}

// appFingerprint changes whenever a setting the provider configuration depends on changes.
func appFingerprint(a apps.App) string {
	h := sha256.New()
	for _, s := range []string{
		a.ClientID, a.ClientSecret.Reveal(), a.AuthorizationURL, a.TokenURL, a.RefreshURL, a.RevocationURL,
		a.DiscoveryURL, a.Issuer, string(a.TokenAuthStyle), string(a.TokenBodyFormat), a.TokenResponsePath,
		a.CallbackDomain, a.UpdatedAt.String(),
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, k := range slices.Sorted(maps.Keys(a.TokenParams)) {
		h.Write([]byte(k + "=" + a.TokenParams[k] + "\x00"))
	}
	h.Write([]byte{1})
	for _, k := range slices.Sorted(maps.Keys(a.RefreshParams)) {
		h.Write([]byte(k + "=" + a.RefreshParams[k] + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func authStyle(s apps.TokenAuthStyle) oauth2.AuthStyle {
	switch s {
	case apps.TokenAuthHeader:
		return oauth2.AuthStyleInHeader
	case apps.TokenAuthParams:
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleAutoDetect
}

// withClient makes x/oauth2 use the provider's HTTP client, under the provider timeout.
func (v *Vault) withClient(ctx context.Context, pc *providerConf) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, v.vo.ProviderTimeout)
	return context.WithValue(ctx, oauth2.HTTPClient, pc.client), cancel
}

// providerError describes a failed token request for logs and connection health: the RFC 6749
// error code and description, or the HTTP status, never the response body (which a misbehaving
// provider could fill with anything). Any of secrets the provider echoed back in its description
// (the refresh or access token sent, the client secret) is replaced by REDACTED.
func providerError(err error, secrets ...string) string {
	var (
		re  *oauth2.RetrieveError
		msg string
	)
	if errors.As(err, &re) {
		msg = re.ErrorCode
		if msg == "" && re.Response != nil {
			msg = "http " + strconv.Itoa(re.Response.StatusCode)
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
	} else {
		msg = err.Error()
	}
	return oneLine(scrub(msg, secrets...), 240)
}

// scrub replaces in s every occurrence of each secret, as is or URL-encoded, by REDACTED.
func scrub(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			s = strings.ReplaceAll(s, form, outbound.Redacted)
		}
	}
	return s
}

// oneLine trims s to one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// endpointsOf is the set of endpoints of a provider.
type endpointsOf struct {
	authorization, token, revocation, issuer string
}

// endpoints returns the app's endpoints; those it leaves empty come from its discovery document.
func (v *Vault) endpoints(ctx context.Context, app apps.App) (endpointsOf, error) {
	ep := endpointsOf{authorization: app.AuthorizationURL, token: app.TokenURL, revocation: app.RevocationURL, issuer: app.Issuer}
	if app.DiscoveryURL == "" || (ep.authorization != "" && ep.token != "" && ep.revocation != "" && ep.issuer != "") {
		return ep, nil
	}
	md, err := v.disco.get(tracing.WithCall(ctx, "oauth.discovery"), v.client, app.DiscoveryURL, v.clock.Now(), v.vo.ProviderTimeout)
	if err != nil {
		err = &DiscoveryError{AppID: app.ID, Problem: "is unavailable", cause: err}
	}
	found := ep
	if err == nil {
		found, err = ep.fillFrom(md, app.ID)
	}
	if err != nil {
		if ep.authorization != "" && ep.token != "" {
			v.log.WarnContext(ctx, "outbound: discovery document not used; using the app's endpoints", "app", app.ID, "error", err)
			return ep, nil
		}
		return ep, err
	}
	if found.authorization == "" || found.token == "" {
		return ep, &DiscoveryError{AppID: app.ID, Problem: "names no authorization or token endpoint"}
	}
	return found, nil
}
