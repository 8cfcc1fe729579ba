package apps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/outflowhq/outflow/outbound"
)

// ErrNoProbe is returned by ProbeRequest for an app that has no probe (an oauth2 app, or an
// apikey app without apiKey.probe).
var ErrNoProbe = errors.New("apps: app has no API-key probe")

// placeholderRE matches a {name} placeholder, or {name.key} for a value set by a variable's
// choice (see Choice).
var placeholderRE = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?)\}`)

// ProbeRequest builds the request that checks key against the app's own API: the probe path
// on baseUrl with {field} placeholders filled (path-escaped) from fields, the static headers,
// and the key placed as keyIn says. The request can only go to baseUrl's scheme and host; that
// is checked again on the final URL. Errors never contain the key or field values.
//
// The caller sends the request with a client bounded by Probe.Timeout and judges the status
// with Probe.Accepts.
func (a *App) ProbeRequest(ctx context.Context, key string, fields map[string]string) (*http.Request, error) {
	if a.Kind != KindAPIKey || a.APIKey == nil || a.APIKey.Probe == nil {
		return nil, fmt.Errorf("probe for app %q: %w", a.ID, ErrNoProbe)
	}
	k, p := a.APIKey, a.APIKey.Probe
	fail := func(format string, args ...any) (*http.Request, error) {
		return nil, fmt.Errorf("probe for app %q: "+format, append([]any{a.ID}, args...)...)
	}
	if key == "" || outbound.HasControl(key) {
		return fail("the key is empty or contains control characters")
	}
	base, err := url.Parse(k.BaseURL)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return fail("apiKey.baseUrl is not an absolute http(s) URL")
	}

	pathPart, query, _ := strings.Cut(p.Path, "?")
	expanded, err := expandPath(pathPart, fields)
	if err != nil {
		return fail("%w", err)
	}
	u := &url.URL{
		Scheme:   base.Scheme,
		Host:     base.Host,
		RawQuery: query,
	}
	basePath := strings.TrimRight(base.EscapedPath(), "/")
	if err := setEscapedPath(u, basePath+expanded); err != nil {
		return fail("the probe path is not a valid path")
	}
	if p.KeyIn == KeyInQuery {
		q := u.Query()
		q.Set(p.QueryParam, key)
		u.RawQuery = q.Encode()
	}

	// Defence in depth: whatever the path and fields held, the URL must still point at baseUrl.
	final := u.String()
	if check, err := url.Parse(final); err != nil || check.Scheme != base.Scheme || check.Host != base.Host || check.User != nil {
		return fail("the probe URL does not stay on the host of apiKey.baseUrl")
	}

	method := p.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, final, nil)
	if err != nil {
		return fail("build request: invalid method or URL")
	}
	for name, v := range p.Headers {
		if !isNeverSet(name) {
			req.Header.Set(name, v)
		}
	}
	if err := k.placeKey(req, key, fields, false); err != nil {
		return fail("%w", err)
	}
	return req, nil
}

// PlaceKey sets key on req as the app's apiKey.probe settings say (keyIn, headerName and
// prefix, queryParam, basicUsername and basicPassword): the one rule for where an API key goes,
// used by the probe and by whatever sends the app's API requests with a stored key. fields
// fill {field} placeholders of the basic user name. The error never contains the key or field
// values.
func (k *APIKeyConfig) PlaceKey(req *http.Request, key string, fields map[string]string) error {
	if k == nil || key == "" || outbound.HasControl(key) {
		return errors.New("apps: the key is empty or contains control characters")
	}
	if err := k.placeKey(req, key, fields, true); err != nil {
		return fmt.Errorf("apps: place the key: %w", err)
	}
	return nil
}

func (k *APIKeyConfig) placeKey(req *http.Request, key string, fields map[string]string, query bool) error {
	p := k.Probe
	if p == nil {
		p = &Probe{}
	}
	switch p.KeyIn {
	case KeyInBearer, "":
		req.Header.Set("Authorization", "Bearer "+key)
	case KeyInHeader:
		req.Header.Set(p.HeaderName, p.Prefix+key)
	case KeyInQuery:
		if query {
			q := req.URL.Query()
			q.Set(p.QueryParam, key)
			req.URL.RawQuery = q.Encode()
		}
	case KeyInBasic:
		user, err := expandLiteral(p.BasicUsername, fields)
		if err != nil {
			return fmt.Errorf("basic user name: %w", err)
		}
		if user == "" {
			req.SetBasicAuth(key, p.BasicPassword)
		} else {
			req.SetBasicAuth(user, key)
		}
	default:
		return fmt.Errorf("unknown keyIn %q", p.KeyIn)
	}
	return nil
}

// expandPath fills {name} placeholders of an escaped path with path-escaped field values. A
// value can never add a path separator, a query, a fragment or a host: it is escaped, and the
// dot segments "." and ".." are refused.
func expandPath(path string, fields map[string]string) (string, error) {
	var bad error
	out := placeholderRE.ReplaceAllStringFunc(path, func(m string) string {
		name := m[1 : len(m)-1]
		v := fields[name]
		switch {
		case v == "":
			bad = fmt.Errorf("missing connection field %q", name)
		case v == "." || v == ".." || outbound.HasControl(v):
			bad = fmt.Errorf("connection field %q is not a valid path segment", name)
		}
		return url.PathEscape(v)
	})
	if bad != nil {
		return "", bad
	}
	return out, nil
}

// expandLiteral fills {name} placeholders with raw field values (for the basic user name). A
// colon is refused because it would end the user name.
func expandLiteral(s string, fields map[string]string) (string, error) {
	var bad error
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		v := fields[name]
		switch {
		case v == "":
			bad = fmt.Errorf("missing connection field %q", name)
		case strings.Contains(v, ":") || outbound.HasControl(v):
			bad = fmt.Errorf("connection field %q cannot be used as a user name", name)
		}
		return v
	})
	if bad != nil {
		return "", bad
	}
	return out, nil
}

// setEscapedPath sets u's path from an already escaped path.
func setEscapedPath(u *url.URL, escaped string) error {
	if !strings.HasPrefix(escaped, "/") {
		escaped = "/" + escaped
	}
	unescaped, err := url.PathUnescape(escaped)
	if err != nil {
		return err
	}
	u.Path = unescaped
	u.RawPath = escaped
	if u.EscapedPath() != escaped {
		// The escaping was not a valid encoding of Path; fall back to the canonical one.
		u.RawPath = ""
	}
	return nil
}
