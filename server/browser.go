package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

// BindingCookie identifies a browser to the hosted pages and the OAuth callback. Its value is
// 128 random bits, set when the browser opens a one-time link (or the demo landing page). The
// cookie is a credential: the server only ever passes on its SHA-256 hash, as the binding of
// executions (engine.Bind) and of the consents they start.
const BindingCookie = "outflow_browser"

// cookieBytes is the size of a new cookie value.
const cookieBytes = 16

// browserCookie returns the browser's cookie value, or "" when it has none (or a malformed one).
func browserCookie(r *http.Request) string {
	c, err := r.Cookie(BindingCookie)
	if err != nil {
		return ""
	}
	v := c.Value
	if b, err := base64.RawURLEncoding.DecodeString(v); err != nil || len(b) != cookieBytes {
		return ""
	}
	return v
}

// ensureCookie returns the browser's cookie value, setting a new one when it has none. The
// cookie's Path is the server's base path; it is Secure when the public URL is https or the
// request came over TLS.
func (s *Server) ensureCookie(w http.ResponseWriter, r *http.Request) string {
	if v := browserCookie(r); v != "" {
		return v
	}
	b := make([]byte, cookieBytes)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	path := s.base
	if path == "" {
		path = "/"
	}
	http.SetCookie(w, &http.Cookie{
		Name:     BindingCookie,
		Value:    v,
		Path:     path,
		HttpOnly: true,
		Secure:   strings.HasPrefix(s.origin, "https://") || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	return v
}

// sameSite wraps the handler of a hosted form's POST: it refuses a request another site made the
// browser send, told by Sec-Fetch-Site: cross-site or by an Origin that is neither the request's
// own host nor the public URL's. ("Origin: null", which a page with Referrer-Policy: no-referrer
// sends, passes: the form's CSRF token still has to match.)
func (s *Server) sameSite(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" || !s.ownOrigin(r, r.Header.Get("Origin")) {
			s.failPage(w, r, errCrossSite)
			return
		}
		h(w, r)
	}
}

// ownOrigin reports whether origin, the Origin header of r, is this server's: absent, "null",
// the public URL's origin, or the host the request was sent to, with the scheme browsers reach
// the server by (the public URL's; without one, https when the request came over TLS, else http:
// the server trusts no X-Forwarded-Proto). http://host and https://host are different origins.
func (s *Server) ownOrigin(r *http.Request, origin string) bool {
	if origin == "" || origin == "null" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	own, err := url.Parse(s.origin)
	if s.origin != "" && err == nil {
		scheme = own.Scheme
	}
	if !strings.EqualFold(u.Scheme, scheme) {
		return false
	}
	host := hostPort(scheme, u.Host)
	if strings.EqualFold(host, hostPort(scheme, r.Host)) {
		return true
	}
	return s.origin != "" && err == nil && strings.EqualFold(host, hostPort(own.Scheme, own.Host))
}

// hostPort drops the scheme's default port from host, so "example.com:443" and "example.com"
// compare equal for https.
func hostPort(scheme, host string) string {
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	}
	return host
}

// readForm reads the form of a hosted page's POST, up to limit bytes, and checks its CSRF token
// for purpose against the browser's cookie. It answers the browser itself and returns false when
// the form cannot be used.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, limit int64, purpose string) (cookie string, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		s.failPage(w, r, &bodyError{msg: "The form could not be read; it may be too large. Go back and try again.", status: statusOf(err)})
		return "", false
	}
	cookie = browserCookie(r)
	switch {
	case cookie == "":
		s.failPage(w, r, errNoCookie)
		return "", false
	case !s.validCSRF(cookie, purpose, r.PostForm.Get(formCSRF)):
		s.failPage(w, r, errBadForm)
		return "", false
	}
	return cookie, true
}

// bindingOf is the binding of a browser: the hex SHA-256 of its cookie, "" without one. It is
// what engine.Bind, engine.NextRequest.Binding and outbound's HandleCallback receive.
func bindingOf(cookie string) string {
	if cookie == "" {
		return ""
	}
	h := sha256.Sum256([]byte("outflow browser\x00" + cookie))
	return hex.EncodeToString(h[:])
}

// csrfToken is the anti-forgery token of a hosted form: an HMAC, keyed with the page secret
// and the browser's cookie, of what the form acts on (an execution id, or the landing page).
// Another site can neither read the cookie nor the page, so it cannot make one; any instance
// sharing the page secret can check it.
func (s *Server) csrfToken(cookie, purpose string) string {
	m := hmac.New(sha256.New, s.csrfKey(cookie))
	m.Write([]byte(purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) validCSRF(cookie, purpose, token string) bool {
	if cookie == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(s.csrfToken(cookie, purpose)), []byte(token))
}

func (s *Server) csrfKey(cookie string) []byte {
	m := hmac.New(sha256.New, s.opts.PageSecret)
	m.Write([]byte("outflow csrf\x00"))
	m.Write([]byte(cookie))
	return m.Sum(nil)
}
