package server

import (
	"net/http"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
)

// apikeyRoutes registers the API-key routes (management key required). They are left out when
// the server has no APIKeys.
//
//	POST   /v1/apikeys        {"appId","userId"|"tenantId","apiKey","fields","validate","noOverlap"}
//	                          → 201 key metadata. A rotation keeps the replaced key as the
//	                          previous one for the app's overlap window; rotating again inside
//	                          it replaces that previous key; "noOverlap" keeps none.
//	POST   /v1/apikeys/fetch  {"appId","userId"|"tenantId"} → 200 the key (and the previous one
//	                          during its overlap window)
//	GET    /v1/apikeys?userId=U | ?tenantId=T → 200 {"apiKeys": [metadata...]}
//	DELETE /v1/apikeys?appId=A&userId=U | &tenantId=T → 204 (also when nothing was stored)
//
// A fetch is a POST so that the key travels only in a response to a request whose body names
// what is fetched; DELETE takes query parameters, as DELETE bodies are often dropped by
// proxies. With both userId and tenantId the key is the user's (the tenant is context).
func (s *Server) apikeyRoutes() {
	if s.opts.APIKeys == nil {
		return
	}
	s.handle("POST /v1/apikeys", s.management(s.putAPIKey))
	s.handle("POST /v1/apikeys/fetch", s.management(s.fetchAPIKey))
	s.handle("GET /v1/apikeys", s.management(s.listAPIKeys))
	s.handle("DELETE /v1/apikeys", s.management(s.deleteAPIKey))
}

// putAPIKeyBody is the body of POST /v1/apikeys.
type putAPIKeyBody struct {
	AppID    string            `json:"appId"`
	UserID   string            `json:"userId"`
	TenantID string            `json:"tenantId"`
	APIKey   outbound.Secret   `json:"apiKey"`
	Fields   map[string]string `json:"fields"`
	// Validate sends the app's probe with the key first; a refused key is not stored.
	Validate bool `json:"validate"`
	// NoOverlap rotates with no previous key: the replaced one stops working at once.
	NoOverlap bool `json:"noOverlap"`
}

func (s *Server) putAPIKey(w http.ResponseWriter, r *http.Request) {
	var body putAPIKeyBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	info, err := s.opts.APIKeys.Put(r.Context(), apikeys.PutRequest{
		AppID: body.AppID, Owner: outbound.Owner{UserID: body.UserID, TenantID: body.TenantID},
		APIKey: body.APIKey, Fields: body.Fields, Validate: body.Validate, NoOverlap: body.NoOverlap,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, info)
}

// fetchAPIKeyBody is the body of POST /v1/apikeys/fetch.
type fetchAPIKeyBody struct {
	AppID    string `json:"appId"`
	UserID   string `json:"userId"`
	TenantID string `json:"tenantId"`
}

// fetchedKey is the answer of a fetch: the one place a key leaves the server.
type fetchedKey struct {
	AppID     string            `json:"appId"`
	APIKey    string            `json:"apiKey"`
	Version   int               `json:"version"`
	CreatedAt time.Time         `json:"createdAt"`
	Fields    map[string]string `json:"fields"`
	Previous  *previousKey      `json:"previous,omitempty"`
}

type previousKey struct {
	APIKey    string            `json:"apiKey"`
	Version   int               `json:"version"`
	Fields    map[string]string `json:"fields"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

func (s *Server) fetchAPIKey(w http.ResponseWriter, r *http.Request) {
	var body fetchAPIKeyBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	k, err := s.opts.APIKeys.Fetch(r.Context(), outbound.Owner{UserID: body.UserID, TenantID: body.TenantID}, body.AppID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := fetchedKey{AppID: k.AppID, APIKey: k.APIKey.Reveal(), Version: k.Version, CreatedAt: k.CreatedAt, Fields: k.Fields}
	if p := k.Previous; p != nil {
		out.Previous = &previousKey{APIKey: p.APIKey.Reveal(), Version: p.Version, Fields: p.Fields, ExpiresAt: p.ExpiresAt}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := s.opts.APIKeys.List(r.Context(), outbound.Owner{UserID: q.Get("userId"), TenantID: q.Get("tenantId")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"apiKeys": list})
}

func (s *Server) deleteAPIKey(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	err := s.opts.APIKeys.Delete(r.Context(), outbound.Owner{UserID: q.Get("userId"), TenantID: q.Get("tenantId")}, q.Get("appId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
