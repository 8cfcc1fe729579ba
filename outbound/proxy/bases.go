package proxy

import (
	"net"
	"net/url"
	"regexp"
	"strings"
)

// base is one API base: an origin and an optional path prefix. As a pattern (from
// App.APIBaseURLs) its host may start with "*." (any subdomain, for App.APIBaseURLFrom); a
// concrete base has no wildcard.
type base struct {
	scheme string
	// host is lower-case, with the port only when it is not the scheme's default.
	host string
	// path is the escaped path prefix without its trailing slash ("" for none).
	path string
}

// hostLabel is what a wildcard label stands for in a host.
var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// parseBase reads a base URL; ok is false for anything that is not an absolute http(s) URL
// without user info, query or fragment.
func parseBase(raw string) (base, bool) {
	scheme, rest, ok := strings.Cut(raw, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "https" && scheme != "http") {
		return base{}, false
	}
	host, path, _ := strings.Cut(rest, "/")
	if host == "" || strings.ContainsAny(host, "@?#") || strings.ContainsAny(path, "?#") {
		return base{}, false
	}
	b := base{scheme: scheme, host: normalHost(scheme, strings.ToLower(host))}
	if path != "" {
		u, err := url.Parse("http://x/" + path)
		if err != nil {
			return base{}, false
		}
		b.path = strings.TrimRight(u.EscapedPath(), "/")
	}
	return b, true
}

// String is the base as a URL.
func (b base) String() string { return b.scheme + "://" + b.host + b.path }

// normalHost drops the scheme's default port.
func normalHost(scheme, host string) string {
	if h, port, err := net.SplitHostPort(host); err == nil && ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) {
		return h
	}
	return host
}

// isPattern reports whether b's host holds a wildcard or a placeholder.
func (b base) isPattern() bool {
	return strings.HasPrefix(b.host, "*.") || strings.Contains(b.host, "{")
}

// hostMatches reports whether host (lower-case, normalised) is b's host or, for a pattern, one
// it stands for.
func (b base) hostMatches(host string) bool {
	if !b.isPattern() {
		return host == b.host
	}
	sub, ok := strings.CutSuffix(host, "."+strings.TrimPrefix(b.host, "*."))
	if !ok || sub == "" {
		return false
	}
	for _, l := range strings.Split(sub, ".") {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// contains reports whether u is under b: same scheme, a host b stands for, a path under b's
// prefix with no dot segment, and no user info.
func (b base) contains(u *url.URL) bool {
	if u == nil || u.User != nil || strings.ToLower(u.Scheme) != b.scheme || u.Opaque != "" {
		return false
	}
	if !b.hostMatches(normalHost(b.scheme, strings.ToLower(u.Host))) {
		return false
	}
	p := u.EscapedPath()
	if hasDotSegment(p) {
		return false
	}
	return b.path == "" || p == b.path || strings.HasPrefix(p, b.path+"/")
}

// hasDotSegment reports whether an escaped path has a "." or ".." segment, encoded or not.
func hasDotSegment(escaped string) bool {
	for _, s := range strings.Split(escaped, "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return true
		}
		for _, part := range strings.FieldsFunc(u, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == "." || part == ".." {
				return true
			}
		}
		if u == "." || u == ".." {
			return true
		}
	}
	return false
}

// parseBases reads base URLs, leaving out any that does not parse.
func parseBases(raw []string) []base {
	out := make([]base, 0, len(raw))
	for _, r := range raw {
		if b, ok := parseBase(r); ok {
			out = append(out, b)
		}
	}
	return out
}

// anyContains reports whether one of bs contains u.
func anyContains(bs []base, u *url.URL) bool {
	for _, b := range bs {
		if b.contains(u) {
			return true
		}
	}
	return false
}

// pick returns the base of bs named by want ("" picks the first), matching with or without a
// trailing slash.
func pick(bs []base, want string) (base, bool) {
	if want == "" {
		if len(bs) == 0 {
			return base{}, false
		}
		return bs[0], true
	}
	w, ok := parseBase(strings.TrimRight(want, "/"))
	if !ok {
		return base{}, false
	}
	for _, b := range bs {
		if b == w {
			return b, true
		}
	}
	return base{}, false
}
