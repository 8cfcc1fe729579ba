package sandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
)

//go:embed templates/*.html
var templateFiles embed.FS

var (
	consentPage = pageTemplate("consent.html")
	problemPage = pageTemplate("problem.html")
)

func pageTemplate(name string) *template.Template {
	return template.Must(template.ParseFS(templateFiles, "templates/layout.html", "templates/"+name))
}

type consentView struct {
	ClientName   string
	ClientID     string
	Subject      string
	Scopes       []scopeView
	RedirectHost string
	// Query is the authorization request's query string, posted back with the decision.
	Query     string
	CSRFToken string
}

type scopeView struct{ Name, Description string }

type problemView struct{ Title, Message string }

// scopeDescriptions explains the scopes a newcomer meets most; others are shown by name only.
var scopeDescriptions = map[string]string{
	"openid":         "Confirm who you are (an ID token)",
	"profile":        "See your basic profile",
	"email":          "See your email address",
	"offline":        "Stay connected while you are away (a refresh token)",
	"offline_access": "Stay connected while you are away (a refresh token)",
	"contacts.read":  "See and download your sandbox contacts",
	"contacts.write": "Add and edit your sandbox contacts",
}

// consentCookie binds a consent form to the browser that loaded it: the form's CSRF token is an
// HMAC of this cookie and the authorization request, under a key only this provider knows.
// A page on another site can neither read the token nor send the cookie (SameSite=Lax) with a
// cross-site POST.
const consentCookie = "outflow_sandbox_consent"

func (p *Provider) renderConsent(w http.ResponseWriter, r *http.Request, ar *authorizeRequest) {
	view := consentView{
		ClientName:   ar.client.name,
		ClientID:     ar.client.id,
		Subject:      p.currentSubject(),
		RedirectHost: redirectHost(ar.redirectURI),
		Query:        r.URL.RawQuery,
	}
	for _, s := range ar.scopes {
		view.Scopes = append(view.Scopes, scopeView{Name: s, Description: scopeDescriptions[s]})
	}
	view.CSRFToken = p.consentToken(p.consentBinding(w, r), view.Query)
	renderPage(w, http.StatusOK, consentPage, view)
}

func redirectHost(raw string) string {
	u, _ := url.Parse(raw) // validated when the client was registered
	return u.Host
}

func (p *Provider) renderProblem(w http.ResponseWriter, status int, title, message string) {
	renderPage(w, status, problemPage, problemView{Title: title, Message: message})
}

// consentBinding returns the browser's consent cookie, setting a new one when it has none.
// The cookie has no Path attribute, so it defaults to the directory of the authorization
// endpoint and is sent back with the form's POST wherever the provider is mounted.
func (p *Provider) consentBinding(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(consentCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	v := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	http.SetCookie(w, &http.Cookie{
		Name:     consentCookie,
		Value:    v,
		HttpOnly: true,
		Secure:   p.issuer.Scheme == "https",
		SameSite: http.SameSiteLaxMode,
	})
	return v
}

func (p *Provider) consentToken(binding, query string) string {
	m := hmac.New(sha256.New, p.csrfKey)
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(query))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validConsentToken reports whether token was issued by this provider, to this browser, for
// exactly this authorization request.
func (p *Provider) validConsentToken(r *http.Request, query, token string) bool {
	c, err := r.Cookie(consentCookie)
	if err != nil || c.Value == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(p.consentToken(c.Value, query)), []byte(token))
}

func renderPage(w http.ResponseWriter, status int, t *template.Template, view any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view); err != nil {
		http.Error(w, "sandbox provider: render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	// No form-action directive: browsers apply it to the redirect back to the client too.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
