package apps

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/outbound"
)

// APIAuth says how an oauth2 app's access token is sent to its API when not as
// "Authorization: Bearer <token>".
type APIAuth struct {
	// Header carries the token, for example X-Shopify-Access-Token.
	Header string `json:"header" yaml:"header"`
	// Prefix goes before the token, space included ("Bearer ", "token "); "" sends the raw token.
	Prefix string `json:"prefix" yaml:"prefix"`
}

// APIAuthPatch is a partial update of an APIAuth.
type APIAuthPatch struct {
	Header *string `json:"header,omitempty" yaml:"header,omitempty"`
	Prefix *string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
}

const (
	maxAPIBaseURLs   = 20
	maxAPIHeaders    = 20
	maxAPIHeaderLen  = 1024
	maxAPIPrefixLen  = 64
	wildcardHostPart = "*."
)

// apiHeadersRefused are headers an app may not add to its API calls: hop-by-hop headers, the
// ones the HTTP client owns, and the credential headers the proxy itself sets or must never send.
var apiHeadersRefused = []string{
	"Authorization", "Cookie", "Host", "Content-Length", "Connection", "Keep-Alive",
	"Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade",
}

// apiAuthHeadersRefused are headers that cannot carry the token (Authorization can).
var apiAuthHeadersRefused = slices.DeleteFunc(slices.Clone(apiHeadersRefused), func(h string) bool { return h == "Authorization" })

// apiPathRE is an optional path prefix: segments of unreserved characters, no dot segments.
var apiPathRE = regexp.MustCompile(`^(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*/?$`)

// validateAPI checks apiBaseUrls, apiBaseUrlFrom, apiHeaders and apiAuth.
func (a *App) validateAPI(p *Problems) {
	if len(a.APIBaseURLs) > maxAPIBaseURLs {
		p.Add("apiBaseUrls", "lists more than %d URLs", maxAPIBaseURLs)
	}
	seen := map[string]bool{}
	for i, raw := range a.APIBaseURLs {
		field := fmt.Sprintf("apiBaseUrls[%d]", i)
		switch msg := CheckAPIBaseURL(raw, a.APIBaseURLFrom != ""); {
		case msg != "":
			p.Add(field, "%s", msg)
		case seen[raw]:
			p.Add(field, "is listed twice")
		}
		seen[raw] = true
	}
	switch {
	case a.APIBaseURLFrom == "":
	case a.Kind != KindOAuth2:
		p.Add("apiBaseUrlFrom", "only oauth2 apps take their API base from the token response; remove it")
	case !tokenResponsePathRE.MatchString(a.APIBaseURLFrom):
		p.Add("apiBaseUrlFrom", "must be a token-response member name (a dot path), for example instance_url")
	case len(a.APIBaseURLs) == 0:
		p.Add("apiBaseUrlFrom", "needs apiBaseUrls: the token response's value must match one of them")
	}
	if len(a.APIHeaders) > maxAPIHeaders {
		p.Add("apiHeaders", "sets more than %d headers", maxAPIHeaders)
	}
	for _, name := range sortedKeys(a.APIHeaders) {
		at := "apiHeaders." + name
		v := a.APIHeaders[name]
		switch {
		case !headerNameRE.MatchString(name):
			p.Add(at, "is not a valid header name")
		case slices.Contains(apiHeadersRefused, http.CanonicalHeaderKey(name)):
			p.Add(at, "cannot be set on API calls (hop-by-hop, credential or client-owned header)")
		case a.APIAuth != nil && http.CanonicalHeaderKey(name) == http.CanonicalHeaderKey(a.APIAuth.Header):
			p.Add(at, "conflicts with apiAuth.header, which carries the token")
		case v == "" || len(v) > maxAPIHeaderLen || outbound.HasControl(v):
			p.Add(at, "the value must be 1 to %d characters without control characters", maxAPIHeaderLen)
		}
	}
	a.validateAPIAuth(p)
}

func (a *App) validateAPIAuth(p *Problems) {
	if a.APIAuth == nil {
		return
	}
	if a.Kind != KindOAuth2 {
		p.Add("apiAuth", "only oauth2 apps use apiAuth; an apikey app places its key as apiKey.probe says")
		return
	}
	h := a.APIAuth.Header
	switch {
	case h == "":
		p.Add("apiAuth.header", "required: the header that carries the access token, for example X-Shopify-Access-Token")
	case !headerNameRE.MatchString(h):
		p.Add("apiAuth.header", "is not a valid header name")
	case slices.Contains(apiAuthHeadersRefused, http.CanonicalHeaderKey(h)):
		p.Add("apiAuth.header", "cannot carry the token (hop-by-hop, cookie or client-owned header)")
	}
	if pre := a.APIAuth.Prefix; len(pre) > maxAPIPrefixLen || outbound.HasControl(pre) {
		p.Add("apiAuth.prefix", "must be at most %d characters without control characters", maxAPIPrefixLen)
	}
}

// CheckAPIBaseURL says what is wrong with raw as an API base, or returns "": an https origin
// (http only on loopback, as for every other URL) with an optional path prefix, no query, no
// fragment, no user info. A host may start with "*." only when wildcard is true (the app takes
// each connection's own base from the token response, see App.APIBaseURLFrom), and the rest of
// the host must then have at least two labels.
func CheckAPIBaseURL(raw string, wildcard bool) string {
	check := raw
	if rest, ok := strings.CutPrefix(raw, "https://"+wildcardHostPart); ok {
		if !wildcard {
			return "may use a *. host wildcard only with apiBaseUrlFrom"
		}
		host, _, _ := strings.Cut(rest, "/")
		if strings.Count(host, ".") < 1 || strings.Contains(host, "*") {
			return "a *. wildcard must be followed by a domain of at least two labels, for example *.my.salesforce.com"
		}
		check = "https://wildcard." + rest
	}
	if msg := CheckURL(check); msg != "" {
		return msg
	}
	u, _ := url.Parse(check)
	switch {
	case strings.Contains(check, "*"):
		return "may use * only as a leading *. in the host"
	case u.RawQuery != "" || strings.Contains(check, "?"):
		return "must have no query; an API base is an origin with an optional path prefix"
	case !hostRE.MatchString(u.Host) && !isLoopback(u.Hostname()):
		return "must have a lowercase host name"
	case !apiPathRE.MatchString(u.EscapedPath()) || hasDotSegment(u.Path):
		return "must have a plain path prefix such as /api/v2 (no . or .. segments)"
	}
	return ""
}

func hasDotSegment(path string) bool {
	for _, s := range strings.Split(path, "/") {
		if s == "." || s == ".." {
			return true
		}
	}
	return false
}

// MatchAPIBase reports whether the URL raw lies under the API base (see APIBase.Contains: the
// same scheme, host and port — a "*." host stands for exactly one more label, as a TLS wildcard
// does — no user info, and a path equal to the base's path prefix or below it, without dot
// segments, encoded or not).
func MatchAPIBase(base, raw string) bool {
	b, ok := ParseAPIBase(base)
	if !ok {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && b.Contains(u)
}

// APIBases are the app's API bases, parsed (those that do not parse are left out).
func (a *App) APIBases() []APIBase { return ParseAPIBases(a.APIBaseURLs) }

// APIBaseAllows reports whether raw lies under one of the app's API bases (see MatchAPIBase).
func (a *App) APIBaseAllows(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(a.APIBases(), func(b APIBase) bool { return b.Contains(u) })
}

// ErrAPIBaseNotAllowed is returned by ConnectionAPIBase for a value under none of the app's API
// bases.
var ErrAPIBaseNotAllowed = errors.New("apps: the token response's API base is not under the app's apiBaseUrls")

// ConnectionAPIBase turns the value of the token-response member named by APIBaseURLFrom into
// the connection's API base. A URL with a path (Adobe's api_access_point) must lie under one of
// APIBaseURLs and is kept without a trailing "/". An origin (Salesforce's instance_url) or a bare
// host name (Wrike's host:
// www.wrike.com) takes the scheme and path prefix of the first API base whose host it matches
// (https://*.wrike.com/api/v4 gives https://www.wrike.com/api/v4). The error never contains the
// value.
func (a *App) ConnectionAPIBase(value string) (string, error) {
	value = strings.TrimSpace(value)
	scheme := ""
	if strings.Contains(value, "://") {
		u, err := url.Parse(value)
		if err != nil || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return "", fmt.Errorf("app %q: %s: %w", a.ID, a.APIBaseURLFrom, ErrAPIBaseNotAllowed)
		}
		if strings.Trim(u.EscapedPath(), "/") != "" {
			if a.APIBaseAllows(value) {
				return strings.TrimRight(value, "/"), nil
			}
			return "", fmt.Errorf("app %q: %s: %w", a.ID, a.APIBaseURLFrom, ErrAPIBaseNotAllowed)
		}
		// An origin alone (Salesforce's instance_url) is a host with its scheme: it takes the
		// path prefix of the base it matches.
		scheme, value = strings.ToLower(u.Scheme), u.Host
	}
	host := strings.ToLower(strings.TrimSuffix(value, "/"))
	if hostRE.MatchString(host) && !strings.Contains(host, ":") {
		for _, b := range a.APIBases() {
			if scheme != "" && b.scheme != scheme || strings.Contains(b.host, ":") {
				continue
			}
			if b.wildcard {
				if own, ok := b.Instance(host); ok {
					return own.String(), nil
				}
			} else if b.host == host {
				return b.String(), nil
			}
		}
	}
	return "", fmt.Errorf("app %q: %s: %w", a.ID, a.APIBaseURLFrom, ErrAPIBaseNotAllowed)
}
