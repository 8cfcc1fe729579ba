package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/webhooks"
)

// webhookRoutes registers the webhook endpoint routes (management key required). They are left
// out when the server has no Webhooks.
//
//	POST   /v1/webhooks                     {"url","description","eventTypes","appIds","disabled"}
//	                                        → 201 the endpoint and its secret, shown this once
//	GET    /v1/webhooks                     → 200 {"webhooks": [...]}
//	GET    /v1/webhooks/{id}                → 200 the endpoint
//	PATCH  /v1/webhooks/{id}                the fields to change → 200 the endpoint
//	DELETE /v1/webhooks/{id}                → 204
//	POST   /v1/webhooks/{id}/rotate-secret  {"overlapSeconds"} → 200 the endpoint and its new secret
//	POST   /v1/webhooks/{id}/test           → 202 the queued test delivery
//	GET    /v1/webhooks/{id}/deliveries     ?limit=N → 200 {"deliveries": [...]} newest first
//	GET    /v1/webhooks/{id}/deliveries/{deliveryId}        → 200 the delivery
//	POST   /v1/webhooks/{id}/deliveries/{deliveryId}/retry  → 202 the delivery, queued again
func (s *Server) webhookRoutes() {
	if s.opts.Webhooks == nil {
		return
	}
	s.handle("POST /v1/webhooks", s.management(s.createWebhook))
	s.handle("GET /v1/webhooks", s.management(s.listWebhooks))
	s.handle("GET /v1/webhooks/{id}", s.management(s.getWebhook))
	s.handle("PATCH /v1/webhooks/{id}", s.management(s.updateWebhook))
	s.handle("DELETE /v1/webhooks/{id}", s.management(s.deleteWebhook))
	s.handle("POST /v1/webhooks/{id}/rotate-secret", s.management(s.rotateWebhookSecret))
	s.handle("POST /v1/webhooks/{id}/test", s.management(s.testWebhook))
	s.handle("GET /v1/webhooks/{id}/deliveries", s.management(s.listDeliveries))
	s.handle("GET /v1/webhooks/{id}/deliveries/{deliveryId}", s.management(s.getDelivery))
	s.handle("POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry", s.management(s.retryDelivery))
}

// webhookWithSecret is an endpoint with its signing secret: the answer of a create or a
// rotation, the only times the secret is shown.
type webhookWithSecret struct {
	webhooks.Endpoint
	Secret string `json:"secret"`
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhooks.EndpointInput
	if err := s.readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.URL == nil {
		s.fail(w, r, &outbound.InvalidError{Kind: webhooks.ErrInvalidEndpoint, Fields: []outbound.FieldError{{Field: "url", Message: "is required: the https:// URL events are posted to"}}})
		return
	}
	e, secret, err := s.opts.Webhooks.Create(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, webhookWithSecret{Endpoint: e, Secret: secret})
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	list, err := s.opts.Webhooks.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": list})
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	e, err := s.opts.Webhooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhooks.EndpointInput
	if err := s.readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.opts.Webhooks.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Webhooks.Delete(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// rotateBody is the body of POST /v1/webhooks/{id}/rotate-secret.
type rotateBody struct {
	// OverlapSeconds is how long the old secret keeps signing (default 86400; 0 with
	// "noOverlap" ends it at once).
	OverlapSeconds *int `json:"overlapSeconds"`
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	var body rotateBody
	if r.ContentLength != 0 {
		if err := s.readJSON(w, r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	overlap := time.Duration(0)
	if body.OverlapSeconds != nil {
		n := *body.OverlapSeconds
		if n < 0 || n > 7*86400 {
			s.fail(w, r, errInvalid(map[string]string{"overlapSeconds": "must be between 0 (no overlap) and 604800 (7 days)"}))
			return
		}
		overlap = time.Duration(n) * time.Second
		if n == 0 {
			overlap = -1
		}
	}
	e, secret, err := s.opts.Webhooks.RotateSecret(r.Context(), r.PathValue("id"), overlap)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, webhookWithSecret{Endpoint: e, Secret: secret})
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	d, err := s.opts.Webhooks.SendTest(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, d)
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.fail(w, r, errInvalid(map[string]string{"limit": "must be a number from 1 to 100"}))
			return
		}
		limit = n
	}
	list, err := s.opts.Webhooks.Deliveries(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}

func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request) {
	d, err := s.opts.Webhooks.Delivery(r.Context(), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) {
	d, err := s.opts.Webhooks.Retry(r.Context(), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, d)
}
