package server

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// connectionRoutes registers the OAuth connection and token routes. All need a management key
// except the two a browser opens: the consent link and the callback. They are left out when the
// server has no Vault.
//
//	POST   /v1/connect                     {"appId","userId"|"tenantId","scopes","redirectUrl","externalId",
//	                                        "connectionId","metadata"} → {"url","expiresAt"}: a one-time link to
//	                                       send the browser to; connectionId reconnects that connection in place
//	GET    /v1/oauth/start/{token}         that link: a Continue page (fetching it uses nothing up)
//	POST   /v1/oauth/start/{token}         Continue: sets the browser's cookie, starts the consent bound
//	                                       to this browser, and 303s to the provider
//	GET    /v1/oauth/callback/{appId}      the provider's redirect: 303 to the connect's redirect URL
//	                                       (with outflow_status), or a small page when it has none
//	POST   /v1/tokens/fetch                {"appId","userId"|"tenantId","scopes","externalId","connectionId",
//	                                        "forceRefresh","withRefreshToken"} → {"token":{...},"connection":{...}}
//	POST   /v1/tokens/import               one token, or {"tokens":[...]} (all or nothing) → 201
//	GET    /v1/connections?userId=U|tenantId=T[&appId=A], or ?appId=A alone, [&metadata.K=V...] → {"connections":[...]}
//	GET    /v1/connections/{id}            → the connection (health, metadata, no token)
//	PATCH  /v1/connections/{id}            {"metadata":{...}} a merge patch of its metadata → the connection
//	DELETE /v1/connections/{id}            → {"connections":[...]} what was revoked and deleted
//	DELETE /v1/connections?appId=A&userId=U|tenantId=T (either alone too; skipRevoke=true to skip the provider)
//
// Errors: 400 invalid_request (one message per field), 404 not_found / not_connected, 409
// missing_scopes and needs_reauth (with missingScopes and a "connect" body to POST to
// /v1/connect), 503 provider_unavailable (with Retry-After) when a token expired and the
// provider cannot refresh it.
func (s *Server) connectionRoutes() {
	if s.opts.Vault == nil {
		return
	}
	if s.opts.Store != nil { // consent links are kept in Redis
		s.handle("POST /v1/connect", s.management(s.connect))
		s.handle("GET /v1/oauth/start/{token}", s.showConsentLink)
		s.handle("POST /v1/oauth/start/{token}", s.sameSite(s.openConsentLink))
	}
	s.handle("GET /v1/oauth/callback/{appId}", s.oauthCallback)
	s.handle("POST /v1/tokens/fetch", s.management(s.fetchToken))
	s.handle("POST /v1/tokens/import", s.management(s.importTokens))
	s.handle("GET /v1/connections", s.management(s.listConnections))
	s.handle("GET /v1/connections/{id}", s.management(s.getConnection))
	s.handle("PATCH /v1/connections/{id}", s.management(s.patchConnection))
	s.handle("DELETE /v1/connections/{id}", s.management(s.deleteConnection))
	s.handle("DELETE /v1/connections", s.management(s.deleteConnections))
}

type connectBody struct {
	AppID       string   `json:"appId"`
	UserID      string   `json:"userId"`
	TenantID    string   `json:"tenantId"`
	Scopes      []string `json:"scopes"`
	RedirectURL string   `json:"redirectUrl"`
	ExternalID  string   `json:"externalId"`

	ConnectionID string         `json:"connectionId"`
	Metadata     map[string]any `json:"metadata"`
}

// connect answers with a one-time link rather than the provider's URL: the consent starts
// when a browser opens the link, bound to that browser (see openConsentLink), so its callback
// cannot be completed from another one.
func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	var body connectBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	link, err := s.newConsentLink(r.Context(), r, &consentRecord{
		AppID: body.AppID, UserID: body.UserID, TenantID: body.TenantID,
		Scopes: body.Scopes, RedirectURL: body.RedirectURL, ExternalID: body.ExternalID,
		ConnectionID: body.ConnectionID, Metadata: body.Metadata,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, link)
}

type fetchBody struct {
	AppID            string   `json:"appId"`
	UserID           string   `json:"userId"`
	TenantID         string   `json:"tenantId"`
	Scopes           []string `json:"scopes"`
	ExternalID       string   `json:"externalId"`
	ConnectionID     string   `json:"connectionId"`
	ForceRefresh     bool     `json:"forceRefresh"`
	WithRefreshToken bool     `json:"withRefreshToken"`
}

// tokenJSON is the one place an access token leaves the server.
type tokenJSON struct {
	AccessToken  string    `json:"accessToken"`
	TokenType    string    `json:"tokenType"`
	ExpiresAt    time.Time `json:"expiresAt"`
	Scopes       []string  `json:"scopes"`
	RefreshToken string    `json:"refreshToken,omitempty"`
}

func (s *Server) fetchToken(w http.ResponseWriter, r *http.Request) {
	var body fetchBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	tok, conn, err := s.opts.Vault.Fetch(r.Context(), oauth.FetchRequest{
		AppID: body.AppID, Owner: outbound.Owner{UserID: body.UserID, TenantID: body.TenantID},
		Scopes: body.Scopes, ExternalID: body.ExternalID, ConnectionID: body.ConnectionID,
		ForceRefresh: body.ForceRefresh, WithRefreshToken: body.WithRefreshToken,
	})
	if err != nil {
		s.failFetch(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token": tokenJSON{AccessToken: tok.AccessToken, TokenType: tok.TokenType, ExpiresAt: tok.ExpiresAt,
			Scopes: tok.Scopes, RefreshToken: tok.RefreshToken},
		"connection": conn,
	})
}

// connectJSON is a body for POST /v1/connect that would fix a fetch failure.
type connectJSON struct {
	AppID      string   `json:"appId"`
	UserID     string   `json:"userId,omitempty"`
	TenantID   string   `json:"tenantId,omitempty"`
	Scopes     []string `json:"scopes,omitempty"`
	ExternalID string   `json:"externalId,omitempty"`

	ConnectionID string `json:"connectionId,omitempty"`
}

// fetchErrorJSON is apiError plus what a client needs to recover from a fetch failure.
type fetchErrorJSON struct {
	apiError
	ConnectionID  string       `json:"connectionId,omitempty"`
	MissingScopes []string     `json:"missingScopes,omitempty"`
	Connect       *connectJSON `json:"connect,omitempty"`
	RetryAt       *time.Time   `json:"retryAt,omitempty"`
}

// failFetch answers a failed fetch: the status and code come from classify; missing_scopes,
// needs_reauth and not_connected add the body of the connect that fixes them, and
// provider_unavailable says when to retry.
func (s *Server) failFetch(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ms *oauth.MissingScopesError
		ra *oauth.ReauthRequiredError
		nc *oauth.NotConnectedError
		rf *oauth.RefreshFailedError
	)
	hint := func(h oauth.ConnectHint) *connectJSON {
		return &connectJSON{AppID: h.AppID, UserID: h.Owner.UserID, TenantID: h.Owner.TenantID, Scopes: h.Scopes, ExternalID: h.ExternalID, ConnectionID: h.ConnectionID}
	}
	status, base := s.classify(err)
	body := fetchErrorJSON{apiError: base}
	switch {
	case errors.As(err, &ms):
		body.ConnectionID, body.MissingScopes, body.Connect = ms.ConnectionID, ms.Missing, hint(ms.Connect)
	case errors.As(err, &ra):
		body.ConnectionID, body.Connect = ra.ConnectionID, hint(ra.Connect)
	case errors.As(err, &nc):
		body.Connect = hint(nc.Connect)
	case errors.As(err, &rf):
		body.ConnectionID, body.RetryAt = rf.ConnectionID, &rf.RetryAt
		secs := max(int(math.Ceil(rf.RetryAt.Sub(s.clock.Now()).Seconds())), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	default:
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, map[string]any{"error": body})
}

// importItem is one token of POST /v1/tokens/import.
type importItem struct {
	AppID        string    `json:"appId"`
	UserID       string    `json:"userId"`
	TenantID     string    `json:"tenantId"`
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken"`
	ExpiresAt    time.Time `json:"expiresAt"`
	TokenType    string    `json:"tokenType"`
	Scopes       []string  `json:"scopes"`
	ExternalID   string    `json:"externalId"`
	Subject      string    `json:"subject"`
	IDToken      string    `json:"idToken"`
	GrantedBy    string    `json:"grantedBy"`
	Verify       bool      `json:"verify"`
}

func (i importItem) request() oauth.ImportRequest {
	return oauth.ImportRequest{
		AppID: i.AppID, Owner: outbound.Owner{UserID: i.UserID, TenantID: i.TenantID},
		AccessToken: i.AccessToken, RefreshToken: i.RefreshToken, ExpiresAt: i.ExpiresAt, TokenType: i.TokenType,
		Scopes: i.Scopes, ExternalID: i.ExternalID, Subject: i.Subject, IDToken: i.IDToken,
		GrantedBy: i.GrantedBy, Verify: i.Verify,
	}
}

type importBody struct {
	importItem
	Tokens []importItem `json:"tokens"`
}

func (s *Server) importTokens(w http.ResponseWriter, r *http.Request) {
	var body importBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Tokens == nil {
		conn, err := s.opts.Vault.Import(r.Context(), body.importItem.request())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"connection": conn})
		return
	}
	if !reflect.ValueOf(body.importItem).IsZero() {
		s.fail(w, r, errInvalid(map[string]string{"tokens": "send either one token at the top level or a tokens list, not both"}))
		return
	}
	reqs := make([]oauth.ImportRequest, len(body.Tokens))
	for i, it := range body.Tokens {
		reqs[i] = it.request()
	}
	conns, err := s.opts.Vault.ImportBatch(r.Context(), reqs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"connections": conns})
}

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	owner := outbound.Owner{UserID: q.Get("userId"), TenantID: q.Get("tenantId")}
	var (
		list []oauth.Connection
		err  error
	)
	if owner.IsZero() && q.Get("appId") != "" {
		list, err = s.opts.Vault.ListApp(r.Context(), q.Get("appId"))
	} else {
		list, err = s.opts.Vault.List(r.Context(), owner, q.Get("appId"))
	}
	if err == nil {
		list, err = oauth.FilterByMetadata(list, metadataFilter(q))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"connections": list})
}

// metadataFilter reads the metadata.<key>=<value> parameters of a list.
func metadataFilter(q url.Values) map[string]string {
	var out map[string]string
	for k, vs := range q {
		if key, ok := strings.CutPrefix(k, "metadata."); ok && len(vs) > 0 {
			if out == nil {
				out = map[string]string{}
			}
			out[key] = vs[0]
		}
	}
	return out
}

type connectionPatch struct {
	Metadata map[string]any `json:"metadata"`
}

// patchConnection is PATCH /v1/connections/{id}: a merge patch of the connection's metadata,
// applied with a compare-and-set (see oauth.Vault.UpdateMetadata).
func (s *Server) patchConnection(w http.ResponseWriter, r *http.Request) {
	var body connectionPatch
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Metadata == nil {
		s.fail(w, r, errInvalid(map[string]string{"metadata": "is required: an object of the keys to set (null removes a key)"}))
		return
	}
	c, err := s.opts.Vault.UpdateMetadata(r.Context(), r.PathValue("id"), body.Metadata)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) {
	c, err := s.opts.Vault.Connection(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) {
	rep, err := s.opts.Vault.Disconnect(r.Context(), oauth.DisconnectRequest{
		ConnectionID: r.PathValue("id"), SkipRevoke: r.URL.Query().Get("skipRevoke") == "true",
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) deleteConnections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rep, err := s.opts.Vault.Disconnect(r.Context(), oauth.DisconnectRequest{
		AppID: q.Get("appId"), Owner: outbound.Owner{UserID: q.Get("userId"), TenantID: q.Get("tenantId")},
		SkipRevoke: q.Get("skipRevoke") == "true",
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rep.Connections == nil { // none matched: an empty list, as documented, not null
		rep.Connections = []oauth.DisconnectedConnection{}
	}
	writeJSON(w, http.StatusOK, rep)
}
