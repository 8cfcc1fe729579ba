package server

import (
	"net/url"
	"strings"
)

// RedirectPolicy returns the check a host gives engine.Options.RedirectAllowed (where a browser
// may be sent when a flow ends) and oauth.VaultOptions.RedirectAllowed (where it may go after
// a consent): absolute http(s) URLs on the origin of publicURL, or matching an entry of allowed.
// An entry is an origin ("https://app.example.com", any path on it) or a URL prefix ending in
// "/" ("https://app.example.com/settings/"). URLs with credentials or fragments are refused, and
// so are URLs whose path has a "." or ".." segment (raw or percent-encoded), a "\" or an encoded
// "/", which a browser or the site behind it may resolve out of an allowed prefix:
// https://app.example.com/settings/../admin is not under https://app.example.com/settings/.
func RedirectPolicy(publicURL string, allowed []string) func(string) bool {
	var origins, prefixes []string
	add := func(entry string) {
		u, err := url.Parse(strings.TrimSpace(entry))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return
		}
		origin := strings.ToLower(u.Scheme + "://" + u.Host)
		if u.Path == "" || u.Path == "/" {
			origins = append(origins, origin)
			return
		}
		p := u.EscapedPath()
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		prefixes = append(prefixes, origin+p)
	}
	if publicURL != "" {
		if u, err := url.Parse(publicURL); err == nil {
			add(u.Scheme + "://" + u.Host)
		}
	}
	for _, a := range allowed {
		add(a)
	}
	return func(raw string) bool {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
			return false
		}
		if !plainPath(u.EscapedPath()) {
			return false
		}
		origin := strings.ToLower(u.Scheme + "://" + u.Host)
		for _, o := range origins {
			if origin == o {
				return true
			}
		}
		full := origin + u.EscapedPath()
		for _, p := range prefixes {
			if strings.HasPrefix(full, p) || full+"/" == p {
				return true
			}
		}
		return false
	}
}

// plainPath reports whether an escaped URL path resolves to itself: none of its segments is "."
// or "..", and none holds a "/" or "\" once unescaped ("%2e%2e", "..%2f", "%5c").
func plainPath(escaped string) bool {
	for _, seg := range strings.Split(escaped, "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil || dec == "." || dec == ".." || strings.ContainsAny(dec, "/\\") {
			return false
		}
	}
	return true
}
