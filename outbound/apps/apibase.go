package apps

import (
	"net/url"
	"strings"
)

// APIBase is one parsed API base: a scheme, a host and an optional path prefix. It is the one
// matcher for "may a credential go to this URL" — MatchAPIBase, App.APIBaseAllows,
// App.ConnectionAPIBase and the request proxy all use it. The zero value matches nothing.
//
// A base made from a "*." host (App.APIBaseURLs with App.APIBaseURLFrom) is a wildcard: it
// stands for exactly one more DNS label, as a TLS wildcard certificate does, and Instance turns
// it into the concrete base of one host.
type APIBase struct {
	scheme string
	// host is lower-case, with the port only when it is not the scheme's default; for a
	// wildcard it is the part after "*.".
	host string
	// path is the escaped path prefix without its trailing slash ("" for none).
	path     string
	wildcard bool
}

// ParseAPIBase reads an API base; ok is false for anything that is not an absolute http(s) URL
// without user info, query, fragment or dot segments, or whose host holds an unfilled
// placeholder.
func ParseAPIBase(raw string) (b APIBase, ok bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(raw), "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "https" && scheme != "http") {
		return APIBase{}, false
	}
	host, path, _ := strings.Cut(rest, "/")
	b = APIBase{scheme: scheme}
	host, b.wildcard = strings.CutPrefix(host, wildcardHostPart)
	if host == "" || strings.ContainsAny(host, "@?#{}*\\") || strings.ContainsAny(path, "?#") {
		return APIBase{}, false
	}
	b.host = normalHost(scheme, strings.ToLower(host))
	if path != "" {
		u, err := url.Parse("http://x/" + path)
		if err != nil || hasEncodedDotSegment(u.EscapedPath()) {
			return APIBase{}, false
		}
		b.path = strings.TrimRight(u.EscapedPath(), "/")
	}
	return b, true
}

// String is the base as a URL ("https://*.example.com/api" for a wildcard).
func (b APIBase) String() string {
	if b.scheme == "" {
		return ""
	}
	if b.wildcard {
		return b.scheme + "://" + wildcardHostPart + b.host + b.path
	}
	return b.scheme + "://" + b.host + b.path
}

// Wildcard reports whether b's host starts with "*.".
func (b APIBase) Wildcard() bool { return b.wildcard }

// Contains reports whether u lies under b: the same scheme, a host b stands for (the same
// host and port, or for a wildcard one more label), no user info, and a path equal to b's
// prefix or below it with no dot segment, encoded or not. It does not allocate.
func (b APIBase) Contains(u *url.URL) bool {
	if b.scheme == "" || u == nil || u.User != nil || u.Opaque != "" || !strings.EqualFold(u.Scheme, b.scheme) {
		return false
	}
	if !b.hostMatches(u.Host) {
		return false
	}
	p := u.EscapedPath()
	if hasEncodedDotSegment(p) {
		return false
	}
	return b.path == "" || p == b.path || len(p) > len(b.path) && p[len(b.path)] == '/' && strings.HasPrefix(p, b.path)
}

// hostMatches reports whether host (as in a URL, any case, with or without the default port)
// is b's host or, for a wildcard, one label in front of it.
func (b APIBase) hostMatches(host string) bool {
	host = normalHost(b.scheme, host)
	if !b.wildcard {
		return strings.EqualFold(host, b.host)
	}
	label, tail, ok := strings.Cut(host, ".")
	return ok && isHostLabel(label) && strings.EqualFold(tail, b.host)
}

// Instance is the concrete base of host under the wildcard b: b's scheme and path on host.
// ok is false when b is not a wildcard or host is not one label in front of its domain.
func (b APIBase) Instance(host string) (APIBase, bool) {
	if !b.wildcard || !b.hostMatches(host) {
		return APIBase{}, false
	}
	return APIBase{scheme: b.scheme, host: normalHost(b.scheme, strings.ToLower(host)), path: b.path}, true
}

// ParseAPIBases reads base URLs, leaving out any that does not parse.
func ParseAPIBases(raw []string) []APIBase {
	out := make([]APIBase, 0, len(raw))
	for _, r := range raw {
		if b, ok := ParseAPIBase(r); ok {
			out = append(out, b)
		}
	}
	return out
}

// normalHost drops the scheme's default port.
func normalHost(scheme, host string) string {
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return host[:len(host)-len(":443")]
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return host[:len(host)-len(":80")]
	}
	return host
}

// isHostLabel reports whether l is one DNS label: letters, digits and inner hyphens, at most 63.
func isHostLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i] | 0x20 // lower-case letters; digits and '-' are unchanged by the bit
		if !(c >= 'a' && c <= 'z' || l[i] >= '0' && l[i] <= '9' || l[i] == '-') {
			return false
		}
	}
	return true
}

// hasEncodedDotSegment reports whether an escaped path has a "." or ".." segment, as written or
// percent-encoded, also when an encoded "/" or a "\" splits it: a server may decode either before
// it routes. Paths with neither '.', '%' nor '\' (nearly all) are answered without a scan of
// their segments.
func hasEncodedDotSegment(escaped string) bool {
	if !strings.ContainsAny(escaped, ".%\\") {
		return false
	}
	for rest := escaped; ; {
		seg, after, more := strings.Cut(rest, "/")
		if dotSegment(seg) {
			return true
		}
		if !more {
			return false
		}
		rest = after
	}
}

// dotSegment reports whether one escaped segment is, or decodes to something holding, a "." or
// ".." segment; a segment that does not decode counts as one.
func dotSegment(seg string) bool {
	if !strings.ContainsAny(seg, ".%\\") {
		return false
	}
	u, err := url.PathUnescape(seg)
	if err != nil {
		return true
	}
	for part := range strings.FieldsFuncSeq(u, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == "." || part == ".." {
			return true
		}
	}
	return false
}
