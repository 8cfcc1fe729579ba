package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// signInCookie holds the sign-in form's token (double submit): the form is posted before any
// session exists.
const signInCookie = "outflow_console_signin"

type signInView struct {
	Title, Next, CSRF, Error string
	SignedOut, Keys          bool
	// Lang is the page's language and T its texts (locales/<lang>.yaml).
	Lang string
	T    map[string]string
}

// signInPage is GET /sign-in. A host's Authorizer signs the person in at once.
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	c.secureHeaders(w)
	next := safeNext(c.opts.Base, r.URL.Query().Get("next"))
	s, err := c.current(w, r)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	if s != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.renderSignIn(w, r, http.StatusOK, signInView{Next: next, SignedOut: r.URL.Query().Get("signedOut") == "1"})
}

// renderSignIn writes the sign-in page in the language of r; v.Error is the key of its message.
func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, v signInView) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: token, Path: c.opts.Base, HttpOnly: true,
		Secure: c.secure(r), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	v.Lang = signInLanguage(r)
	v.T = signInTexts[v.Lang]
	if v.Error != "" {
		v.Error = v.T[v.Error]
	}
	v.Title, v.CSRF, v.Keys = v.T["signin.title"], token, len(c.opts.ManagementKeys) > 0
	c.render(w, r, status, "signin", nil, v)
}

// signIn is POST /sign-in: the management key, checked in constant time, unless the client's
// address made too many failed sign-ins lately.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	c.secureHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, nil, errBadForm)
		return
	}
	ck, err := r.Cookie(signInCookie)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostForm.Get(formCSRF))) != 1 {
		c.fail(w, r, nil, errBadForm)
		return
	}
	next := safeNext(c.opts.Base, r.PostForm.Get("next"))
	ctx := r.Context()
	over, err := c.throttled(ctx, r)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	if over {
		w.Header().Set("Retry-After", strconv.Itoa(int(c.opts.SignInWindow.Seconds())))
		c.log.WarnContext(ctx, "console sign-in throttled", "client", c.opts.ClientAddr(r))
		c.renderSignIn(w, r, http.StatusTooManyRequests, signInView{Next: next,
			Error: "signin.throttled"})
		return
	}
	if !c.validKey(strings.TrimSpace(r.PostForm.Get("key"))) {
		if err := c.failedSignIn(ctx, r); err != nil {
			c.fail(w, r, nil, err)
			return
		}
		c.log.InfoContext(ctx, "console sign-in refused", "client", c.opts.ClientAddr(r))
		c.renderSignIn(w, r, http.StatusUnauthorized, signInView{Next: next, Error: "signin.refused"})
		return
	}
	s, err := c.newSession(w, r, "")
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	c.log.InfoContext(ctx, "console sign-in", "actor", s.Actor)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext is where to go after signing in: a path under base, else base's apps page. A path
// with a "." or ".." segment (also percent-encoded, as browsers read %2e%2e) is refused: the
// redirect, or the browser, would resolve it to a path outside base.
func safeNext(base, next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) ||
		!(u.Path == base || strings.HasPrefix(u.Path, base+"/")) || strings.HasPrefix(u.Path, base+"/sign-") ||
		hasDotSegment(u.Path) {
		return base + "/apps"
	}
	return next
}

// hasDotSegment reports whether p has a "." or ".." segment.
func hasDotSegment(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// sameOrigin refuses a POST another site made the browser send: Sec-Fetch-Site other than
// same-origin (or none, typed by the person), or an Origin that is neither the request's host
// nor the public URL's origin.
func (c *Console) sameOrigin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		site := r.Header.Get("Sec-Fetch-Site")
		if (site != "" && site != "same-origin" && site != "none") || !c.ownOrigin(r, r.Header.Get("Origin")) {
			c.secureHeaders(w)
			c.fail(w, r, nil, errCrossSite)
			return
		}
		h(w, r)
	}
}

func (c *Console) ownOrigin(r *http.Request, origin string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if pub, err := url.Parse(c.opts.PublicURL); c.opts.PublicURL != "" && err == nil {
		return strings.EqualFold(u.Scheme, pub.Scheme) && strings.EqualFold(u.Host, pub.Host)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
