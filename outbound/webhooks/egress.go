package webhooks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Egress are the rules for where deliveries may go.
type Egress struct {
	// AllowHTTPLoopback admits http:// URLs whose host is a loopback address or "localhost",
	// and lets deliveries dial loopback addresses. For development only.
	AllowHTTPLoopback bool
	// AllowedNetworks are private networks deliveries may reach (for example an internal
	// receiver at 10.0.0.0/8). Loopback, link-local, private and other special addresses are
	// refused otherwise.
	AllowedNetworks []netip.Prefix
}

// Timeout bounds one delivery attempt, connection included.
const Timeout = 10 * time.Second

// maxAnswer is how much of an endpoint's answer is kept.
const maxAnswer = 1024

// ErrEgressDenied is wrapped by the error of an attempt whose address the egress rules refuse.
var ErrEgressDenied = errors.New("webhooks: the endpoint's address is not allowed")

// CheckURL reports what is wrong with raw as an endpoint URL, or "" when it is fine.
func (e Egress) CheckURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || !u.IsAbs():
		return "must be an absolute https:// URL"
	case u.User != nil:
		return "must not hold a user name or password"
	case u.Fragment != "":
		return "must not have a #fragment"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && e.AllowHTTPLoopback && loopbackHost(u.Hostname()):
		return ""
	case u.Scheme == "http":
		return "must use https:// (http:// is allowed only to a loopback address, in development)"
	}
	return "must be an absolute https:// URL"
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// allowed reports whether a delivery may connect to a.
func (e Egress) allowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range e.AllowedNetworks {
		if p.Contains(a) {
			return true
		}
	}
	if a.IsLoopback() {
		return e.AllowHTTPLoopback
	}
	special := a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsMulticast() ||
		a.IsUnspecified() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a)
	return a.IsValid() && !special
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// client is the HTTP client of deliveries: the address is checked as the socket connects (after
// resolution, so DNS rebinding gains nothing), no redirects, no proxy, no cookies, Timeout.
func (e Egress) client() *http.Client {
	d := &net.Dialer{Timeout: Timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrEgressDenied, address)
		}
		if !e.allowed(ap.Addr()) {
			return fmt.Errorf("%w: %s", ErrEgressDenied, ap.Addr())
		}
		return nil
	}}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		TLSHandshakeTimeout: Timeout,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
