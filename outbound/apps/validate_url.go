package apps

import (
	"encoding/base64"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// hostRE matches a lowercase DNS host name with an optional port.
var hostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)

// logoTypes are the image media types a data: logo may carry.
var logoTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"}

// maxLogoLen bounds a data: logo (the whole URI).
const maxLogoLen = 256 << 10

// checkURLField adds a problem for field when raw is set and is not an acceptable endpoint URL.
func checkURLField(p *Problems, field, raw string) {
	if raw == "" {
		return
	}
	if msg := CheckURL(raw); msg != "" {
		p.Add(field, "%s", msg)
	}
}

// checkDocLinkField is checkURLField for a documentation link, which may carry a fragment.
func checkDocLinkField(p *Problems, field, raw string) {
	if raw == "" {
		return
	}
	link, _, _ := strings.Cut(raw, "#")
	if msg := CheckURL(link); msg != "" {
		p.Add(field, "%s", msg)
	}
}

// CheckURL says what is wrong with raw as an endpoint URL, or returns "". The value itself is
// not repeated: it could carry credentials.
func CheckURL(raw string) string {
	if m := placeholderRE.FindString(raw); m != "" {
		return "contains the unfilled placeholder " + m + "; create the app from its template with that variable"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || strings.ContainsFunc(raw, IsSpaceOrControl):
		return "is not a valid URL"
	case !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return "must be an absolute URL such as https://example.com/path"
	case u.User != nil:
		return "must not contain a user name or password"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment (#...)"
	case isLinkLocal(u.Hostname()):
		return "must not point at a link-local address (169.254.0.0/16 or fe80::/10)"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return ""
	default:
		return "must use https (http is allowed only for localhost, 127.0.0.1 and ::1)"
	}
}

// CheckIssuer is CheckURL for an issuer identifier, which also has no query (RFC 8414).
func CheckIssuer(raw string) string {
	if msg := CheckURL(raw); msg != "" {
		return msg
	}
	if strings.ContainsAny(raw, "?#") {
		return "must have no query or fragment (RFC 8414)"
	}
	return ""
}

// isLinkLocal reports whether host is a link-local IP address (such as a cloud metadata
// service's), however it is written.
func isLinkLocal(host string) bool {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast()
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkLogo accepts an https/loopback URL or a base64 data URI of an image.
func checkLogo(raw string) string {
	rest, ok := strings.CutPrefix(raw, "data:")
	if !ok {
		if msg := CheckURL(raw); msg != "" {
			return msg + ", or a data:image/...;base64, URI"
		}
		return ""
	}
	if len(raw) > maxLogoLen {
		return "is too large; keep a data URI logo under 256 KiB or link to an https URL"
	}
	meta, payload, ok := strings.Cut(rest, ",")
	mediaType, encoding, _ := strings.Cut(meta, ";")
	switch {
	case !ok:
		return "is a data URI without a payload; use data:image/png;base64,..."
	case !slices.Contains(logoTypes, strings.ToLower(mediaType)):
		return "must be an image data URI (png, jpeg, gif, webp or svg+xml)"
	case encoding != "base64":
		return "must be a base64 data URI: data:image/...;base64,..."
	}
	if _, err := base64.StdEncoding.DecodeString(payload); err != nil {
		return "has an invalid base64 payload"
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
