package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/screentext"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// consentPathPrefix is where the links of POST /v1/connect point: GET /v1/oauth/start/{token}.
const consentPathPrefix = "/v1/oauth/start/"

// consentRecord is the connect a consent link starts, kept in Redis under the hash of its token
// until a browser opens it.
type consentRecord struct {
	AppID       string   `json:"appId"`
	UserID      string   `json:"userId,omitempty"`
	TenantID    string   `json:"tenantId,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
	RedirectURL string   `json:"redirectUrl,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`

	ConnectionID string         `json:"connectionId,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
}

func (c *consentRecord) request() oauth.ConnectRequest {
	return oauth.ConnectRequest{
		AppID: c.AppID, Owner: outbound.Owner{UserID: c.UserID, TenantID: c.TenantID},
		Scopes: c.Scopes, RedirectURL: c.RedirectURL, ExternalID: c.ExternalID,
		ConnectionID: c.ConnectionID, Metadata: c.Metadata,
	}
}

// newConsentLink checks a connect and keeps it behind a single-use link valid for LinkTTL. The
// consent itself starts only when a browser opens the link, bound to that browser. Only the
// SHA-256 of the link's token is stored.
func (s *Server) newConsentLink(ctx context.Context, r *http.Request, rec *consentRecord) (*linkJSON, error) {
	if rec.AppID == "" && rec.ConnectionID != "" {
		// A reconnect may name the connection alone; the link's page names its app.
		if c, err := s.opts.Vault.Connection(ctx, rec.ConnectionID); err == nil {
			rec.AppID = c.AppID
		}
	}
	if err := s.opts.Vault.CheckConnect(ctx, rec.request()); err != nil {
		return nil, err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	token := rand.Text()
	if err := s.opts.Store.PutOnce(ctx, s.consentLinkKey(token), data, s.opts.LinkTTL); err != nil {
		return nil, fmt.Errorf("keep the consent link of app %q: %w", rec.AppID, err)
	}
	now := s.clock.Now().UTC()
	return &linkJSON{URL: s.publicURL(r) + consentPathPrefix + token, ExpiresAt: now.Add(s.opts.LinkTTL).Truncate(time.Second)}, nil
}

func (s *Server) consentLinkKey(token string) string {
	return s.opts.Store.Keys().ConsentLink(tokenHash(token))
}

// showConsentLink is GET /v1/oauth/start/{token}: a Continue page that names the app and posts
// back, so fetching the link never uses it up. Like a flow's link page, it gives the browser its
// cookie and its form a CSRF token made from the cookie and the link.
func (s *Server) showConsentLink(w http.ResponseWriter, r *http.Request) {
	token, ok := s.linkToken(w, r)
	if !ok {
		return
	}
	key := s.consentLinkKey(token)
	data, ok := s.readLink(w, r, key, false)
	if !ok {
		return
	}
	loc := localeOf(r, "")
	v := continueView{Title: loc.T("consentlink.title"), Text: loc.T("consentlink.text")}
	var rec consentRecord
	if json.Unmarshal(data, &rec) == nil && s.opts.Apps != nil {
		if app, err := s.opts.Apps.Get(r.Context(), rec.AppID); err == nil {
			v.Title = screentext.Text(loc.Lang, actions.BuiltinText("consent.title", "app", app.Name), nil)
			v.Text = loc.T("consentlink.text_app", "app", app.Name)
			v.App = newAppView(&actions.AppBadge{Name: app.Name, Logo: app.Logo}, false)
		}
	}
	s.renderContinue(w, r, key, "consent:"+tokenHash(token), consentPathPrefix+url.PathEscape(token), v)
}

// openConsentLink is POST /v1/oauth/start/{token}, the Continue press: with the CSRF token of
// the link's page, from the browser that was shown it, it uses up the link, starts the consent
// bound to that browser, and sends it to the provider. The provider's callback is then refused
// from any other browser.
func (s *Server) openConsentLink(w http.ResponseWriter, r *http.Request) {
	token, ok := s.linkToken(w, r)
	if !ok {
		return
	}
	cookie, ok := s.readForm(w, r, linkFormLimit, "consent:"+tokenHash(token))
	if !ok {
		return
	}
	data, ok := s.readLink(w, r, s.consentLinkKey(token), true)
	if !ok {
		return
	}
	var rec consentRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		s.failPage(w, r, fmt.Errorf("read consent link: %w", err))
		return
	}
	req := rec.request()
	req.Binding = bindingOf(cookie)
	res, err := s.opts.Vault.Connect(r.Context(), req)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, res.URL, http.StatusSeeOther)
}
