package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// SessionCookie holds the console session's id.
const SessionCookie = "outflow_console"

// formCSRF is the form field of the CSRF token.
const formCSRF = "_csrf"

// session is a signed-in person, kept in Redis under the SHA-256 of its id.
type session struct {
	// Actor names the session in the event stream: "console:<8 hex digits of the id's hash>"
	// for a management-key sign-in, or the host's principal.
	Actor     string    `json:"actor"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// idHash is the hash of the id (the Redis key), not stored.
	idHash string
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) string {
	h := sha256.Sum256([]byte("outflow console session\x00" + id))
	return hex.EncodeToString(h[:])
}

// newSession stores a session for actor ("" makes a console:… actor) and sets its cookie.
func (c *Console) newSession(w http.ResponseWriter, r *http.Request, actor string) (*session, error) {
	id := randomToken()
	now := c.clock.Now().UTC()
	s := &session{Actor: actor, CSRF: randomToken(), CreatedAt: now, ExpiresAt: now.Add(c.opts.SessionTTL), idHash: hashID(id)}
	if s.Actor == "" {
		s.Actor = "console:" + s.idHash[:8]
	}
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if err := c.opts.Store.PutOnce(r.Context(), c.opts.Store.Keys().ConsoleSession(s.idHash), data, c.opts.SessionTTL); err != nil {
		return nil, fmt.Errorf("console: keep the session: %w", err)
	}
	c.setCookie(w, r, id, c.opts.SessionTTL)
	return s, nil
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, value string, ttl time.Duration) {
	ck := &http.Cookie{
		Name: SessionCookie, Value: value, Path: c.opts.Base, HttpOnly: true,
		Secure: c.secure(r), SameSite: http.SameSiteStrictMode, MaxAge: int(ttl / time.Second),
	}
	if ttl <= 0 {
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

// sessionOf returns the session of r's cookie, or nil when it has none that Redis knows.
func (c *Console) sessionOf(r *http.Request) (*session, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || len(ck.Value) != 43 {
		return nil, nil
	}
	h := hashID(ck.Value)
	data, err := c.opts.Store.GetValue(r.Context(), c.opts.Store.Keys().ConsoleSession(h))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var s session
	if err := json.Unmarshal(data, &s); err != nil || !c.clock.Now().Before(s.ExpiresAt) {
		return nil, nil
	}
	s.idHash = h
	return &s, nil
}

// current returns the session of r, making one when the host's Authorizer lets r in.
func (c *Console) current(w http.ResponseWriter, r *http.Request) (*session, error) {
	s, err := c.sessionOf(r)
	if err != nil || s != nil || c.opts.Authorizer == nil {
		return s, err
	}
	principal, ok := c.opts.Authorizer(r)
	if !ok || principal == "" {
		return nil, nil
	}
	return c.newSession(w, r, principal)
}

// handler is a console page's handler, given the signed-in session.
type handler func(w http.ResponseWriter, r *http.Request, s *session)

// page wraps a GET handler: without a session it redirects to the sign-in page, which comes
// back to the page after signing in. Its context carries the session's actor.
func (c *Console) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.secureHeaders(w)
		s, err := c.current(w, r)
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		if s == nil {
			to := c.path("/sign-in")
			if r.Method == http.MethodGet {
				to += "?next=" + urlQueryEscape(c.opts.Base+r.URL.Path)
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		h(w, r.WithContext(outbound.WithActor(r.Context(), s.Actor)), s)
	}
}

// maxFormBytes bounds a console form.
const maxFormBytes = 256 << 10

// form wraps a POST handler: same origin, a session, a readable form and its CSRF token.
func (c *Console) form(h handler) http.HandlerFunc {
	return c.sameOrigin(c.page(func(w http.ResponseWriter, r *http.Request, s *session) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			c.fail(w, r, s, errBadForm)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.PostForm.Get(formCSRF)), []byte(s.CSRF)) != 1 {
			c.fail(w, r, s, errBadForm)
			return
		}
		h(w, r, s)
	}))
}

// signOut deletes the session and its cookie.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if err := c.opts.Store.Delete(r.Context(), c.opts.Store.Keys().ConsoleSession(s.idHash)); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.setCookie(w, r, "", 0)
	c.log.InfoContext(r.Context(), "console sign-out", "actor", s.Actor)
	http.Redirect(w, r, c.path("/sign-in?signedOut=1"), http.StatusSeeOther)
}

// validKey compares key with every management key in constant time.
func (c *Console) validKey(key string) bool {
	got := sha256.Sum256([]byte(key))
	match := 0
	for _, k := range c.opts.ManagementKeys {
		if k == "" {
			continue
		}
		want := sha256.Sum256([]byte(k))
		match |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	return key != "" && match == 1
}

// throttled counts a failed sign-in of r's client and reports whether it is past the limit.
func (c *Console) failedSignIn(ctx context.Context, r *http.Request) error {
	_, err := c.opts.Store.Hit(ctx, c.throttleKey(r), c.opts.SignInWindow)
	return err
}

// throttled reports whether r's client made SignInLimit failed sign-ins in the window.
func (c *Console) throttled(ctx context.Context, r *http.Request) (bool, error) {
	v, err := c.opts.Store.GetValue(ctx, c.throttleKey(r))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	var n int
	_, _ = fmt.Sscanf(string(v), "%d", &n)
	return n >= c.opts.SignInLimit, nil
}

func (c *Console) throttleKey(r *http.Request) string {
	h := sha256.Sum256([]byte("outflow console client\x00" + c.opts.ClientAddr(r)))
	return c.opts.Store.Keys().ConsoleSignIns(hex.EncodeToString(h[:]))
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
