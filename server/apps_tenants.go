package server

import (
	"net/http"

	"github.com/outflowhq/outflow/outbound/apps"
)

// tenantRoutes registers the routes of tenants' own app settings (management key required).
func (s *Server) tenantRoutes() {
	s.handle("GET /v1/apps/{appId}/tenants", s.management(s.listTenantSettings))
	s.handle("PUT /v1/apps/{appId}/tenants/{tenantId}", s.management(s.putTenantSettings))
	s.handle("GET /v1/apps/{appId}/tenants/{tenantId}", s.management(s.getTenantSettings))
	s.handle("DELETE /v1/apps/{appId}/tenants/{tenantId}", s.management(s.deleteTenantSettings))
}

func (s *Server) putTenantSettings(w http.ResponseWriter, r *http.Request) {
	var body apps.TenantSettingsInput
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	ts, err := s.opts.Apps.PutTenantSettings(r.Context(), r.PathValue("appId"), r.PathValue("tenantId"), body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ts.View())
}

func (s *Server) getTenantSettings(w http.ResponseWriter, r *http.Request) {
	ts, err := s.opts.Apps.TenantSettings(r.Context(), r.PathValue("appId"), r.PathValue("tenantId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ts.View())
}

func (s *Server) listTenantSettings(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("appId")
	if _, err := s.opts.Apps.Get(r.Context(), appID); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.opts.Apps.ListTenantSettings(r.Context(), appID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": list})
}

func (s *Server) deleteTenantSettings(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Apps.DeleteTenantSettings(r.Context(), r.PathValue("appId"), r.PathValue("tenantId")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
