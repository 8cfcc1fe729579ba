package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/outflowhq/outflow/outbound/apps"
)

// tokenTransport adapts token-endpoint traffic to an app's quirks, so x/oauth2 can do the
// protocol for every app: it adds the app's extra token parameters to every token request (code
// exchange and refresh alike; on a refresh the refresh parameters win over token parameters of
// the same name), sends the body as JSON when the app asks for it, and when the app's tokens sit
// in a nested object of the response (Slack's authed_user) it lifts that object's members to the
// top level.
type tokenTransport struct {
	base http.RoundTripper
	// endpoints are the token URL and the refresh URL ("" when the app has none).
	endpoints             []string
	params, refreshParams map[string]string
	json                  bool
	path                  []string
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || !slices.ContainsFunc(t.endpoints, func(e string) bool { return e != "" && sameEndpoint(req.URL, e) }) {
		return t.base.RoundTrip(req)
	}
	if req.Body != nil && (len(t.params) > 0 || len(t.refreshParams) > 0 || t.json) {
		var err error
		if req, err = t.rewrite(req); err != nil {
			return nil, err
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || len(t.path) == 0 || resp.StatusCode/100 != 2 {
		return resp, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if lifted, ok := liftTokenObject(body, t.path); ok {
		body = lifted
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// rewrite adds the app's parameters to a token request's form body and re-encodes it, as JSON
// when the app says so.
func (t *tokenTransport) rewrite(req *http.Request) (*http.Request, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	extra := maps.Clone(t.params)
	if form.Get("grant_type") == "refresh_token" {
		if extra == nil {
			extra = map[string]string{}
		}
		maps.Copy(extra, t.refreshParams)
	}
	for k, v := range extra {
		if !form.Has(k) {
			form.Set(k, v)
		}
	}
	enc, ctype := form.Encode(), "application/x-www-form-urlencoded"
	if t.json {
		obj := make(map[string]string, len(form))
		for k := range form {
			obj[k] = form.Get(k)
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		enc, ctype = string(b), "application/json"
	}
	req = req.Clone(req.Context())
	req.Header.Set("Content-Type", ctype)
	req.Body = io.NopCloser(strings.NewReader(enc))
	req.ContentLength = int64(len(enc))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(enc)), nil }
	return req, nil
}

// liftTokenObject returns the top-level members of body overlaid with those of the object at
// path, or false when there is no such object.
func liftTokenObject(body []byte, path []string) ([]byte, bool) {
	var top map[string]any
	if json.Unmarshal(body, &top) != nil {
		return nil, false
	}
	var cur any = top
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur = m[p]
	}
	inner, ok := cur.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]any, len(top)+len(inner))
	for k, v := range top {
		out[k] = v
	}
	for k, v := range inner {
		out[k] = v
	}
	b, err := json.Marshal(out)
	return b, err == nil
}

func sameEndpoint(u *url.URL, endpoint string) bool {
	e, err := url.Parse(endpoint)
	return err == nil && strings.EqualFold(u.Host, e.Host) && u.Path == e.Path && u.Scheme == e.Scheme
}

// tokenResult is a token response in the vault's terms.
type tokenResult struct {
	access, refresh, tokenType string
	expiresAt                  time.Time
	expirySource               string
	// scopes is nil when the response carried no scope.
	scopes  []string
	idToken string
	// apiBase is the connection's own API base from the response (see apps.App.APIBaseURLFrom);
	// "" when the app takes none or the response's value is under none of its API bases.
	apiBase string
}

// readToken interprets a token response received at now. The expiry is expires_in when given,
// else the access token's JWT exp (even one already past: such a token is refreshed at once),
// else the app's fallback lifetime: never "valid forever".
func readToken(app *apps.App, tok *oauth2.Token, now time.Time) tokenResult {
	r := tokenResult{access: tok.AccessToken, refresh: tok.RefreshToken, tokenType: tok.TokenType}
	if r.tokenType == "" {
		r.tokenType = "Bearer"
	}
	switch secs := expiresIn(tok); {
	case secs > 0:
		r.expiresAt, r.expirySource = now.Add(time.Duration(secs)*time.Second), ExpiryProvider
	default:
		if exp, ok := jwtExpiry(tok.AccessToken); ok {
			r.expiresAt, r.expirySource = exp, ExpiryJWT
		} else {
			r.expiresAt, r.expirySource = now.Add(app.Refresh.FallbackLifetime()), ExpiryFallback
		}
	}
	if s := extraString(tok, "scope"); s != "" {
		r.scopes = splitScopes(s)
	} else if l, ok := tok.Extra("scope").([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok && s != "" {
				r.scopes = append(r.scopes, s)
			}
		}
	}
	r.idToken = extraString(tok, "id_token")
	if app.APIBaseURLFrom != "" {
		if v, ok := extraPath(tok, splitPath(app.APIBaseURLFrom)).(string); ok {
			r.apiBase, _ = app.ConnectionAPIBase(v)
		}
	}
	return r
}

// extraPath returns the token-response member at the dot path, or nil.
func extraPath(tok *oauth2.Token, path []string) any {
	if len(path) == 0 {
		return nil
	}
	cur := tok.Extra(path[0])
	for _, p := range path[1:] {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// expiresIn returns the response's expires_in in seconds, from JSON (number or string) or form
// responses; 0 when absent or unusable.
func expiresIn(tok *oauth2.Token) int64 {
	if tok.ExpiresIn > 0 {
		return tok.ExpiresIn
	}
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n
	case json.Number:
		n, _ := v.Int64()
		return n
	}
	return 0
}

func extraString(tok *oauth2.Token, key string) string {
	s, _ := tok.Extra(key).(string)
	return s
}

// splitScopes splits a granted-scope string on spaces and commas (RFC 6749 says spaces; several
// providers use commas).
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' })
}

// jwtClaims are the claims the vault reads from JWTs.
type jwtClaims struct {
	Subject string   `json:"sub"`
	Issuer  string   `json:"iss"`
	Nonce   string   `json:"nonce"`
	Exp     *float64 `json:"exp"`
	Aud     audience `json:"aud"`
}

// audience is the aud claim: one string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// jwtPayload decodes the claims of a JWT without verifying its signature. The vault reads only
// tokens it received directly from the provider's token endpoint over TLS, with client
// authentication, which OpenID Connect Core (3.1.3.7) accepts in place of checking the signature.
func jwtPayload(token string) (jwtClaims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return jwtClaims{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return jwtClaims{}, false
	}
	var c jwtClaims
	if json.Unmarshal(raw, &c) != nil {
		return jwtClaims{}, false
	}
	return c, true
}

func jwtExpiry(token string) (time.Time, bool) {
	c, ok := jwtPayload(token)
	if !ok || c.Exp == nil || *c.Exp <= 0 {
		return time.Time{}, false
	}
	sec := int64(*c.Exp)
	return time.Unix(sec, 0).UTC(), true
}
