package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
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

// ensureCookie returns the browser's cookie value, setting a new one when it has none.
func (s *Server) ensureCookie(w http.ResponseWriter, r *http.Request) string {
	if v := browserCookie(r); v != "" {
		return v
	}
	b := make([]byte, cookieBytes)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name:     BindingCookie,
		Value:    v,
		Path:     "/",
		HttpOnly: true,
		Secure:   strings.HasPrefix(s.opts.PublicURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	})
	return v
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
