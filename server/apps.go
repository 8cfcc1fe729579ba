package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// appRoutes registers the app registry and catalog routes (management key required). They are
// left out when the server has no Apps.
func (s *Server) appRoutes() {
	if s.opts.Apps == nil {
		return
	}
	s.handle("GET /v1/templates", s.management(s.listTemplates))
	s.handle("GET /v1/templates/{templateId}", s.management(s.getTemplate))
	s.handle("POST /v1/apps", s.management(s.createApp))
	s.handle("GET /v1/apps", s.management(s.listApps))
	s.handle("GET /v1/apps/{appId}", s.management(s.getApp))
	s.handle("PATCH /v1/apps/{appId}", s.management(s.updateApp))
	s.handle("DELETE /v1/apps/{appId}", s.management(s.deleteApp))
	s.tenantRoutes()
}

// templateSummary is a catalog entry as listed: enough to choose a template and fill it in.
type templateSummary struct {
	ID            string          `json:"id"`
	Kind          apps.Kind       `json:"kind"`
	Name          string          `json:"name"`
	Description   string          `json:"description,omitempty"`
	Logo          string          `json:"logo,omitempty"`
	DocsURL       string          `json:"docsUrl,omitempty"`
	ScopesDocsURL string          `json:"scopesDocsUrl,omitempty"`
	Scopes        []apps.Scope    `json:"scopes,omitempty"`
	DefaultScopes []string        `json:"defaultScopes,omitempty"`
	Variables     []apps.Variable `json:"variables,omitempty"`
	Quirks        []string        `json:"quirks,omitempty"`
	Categories    []string        `json:"categories,omitempty"`
	Keywords      []string        `json:"keywords,omitempty"`
	APIBaseURLs   []string        `json:"apiBaseUrls,omitempty"`
	Sources       apps.Sources    `json:"sources,omitzero"`
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	out := []templateSummary{}
	for _, t := range s.opts.Apps.Catalog().List() {
		out = append(out, templateSummary{
			ID: t.ID, Kind: t.Kind, Name: t.Name, Description: t.Description, Logo: t.Logo,
			DocsURL: t.DocsURL, ScopesDocsURL: t.ScopesDocsURL, Scopes: t.Scopes,
			DefaultScopes: t.DefaultScopes, Variables: t.Variables, Quirks: t.Quirks,
			Categories: t.Categories, Keywords: t.Keywords, APIBaseURLs: t.APIBaseURLs, Sources: t.Sources,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": out})
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	t, ok := s.opts.Apps.Catalog().Get(r.PathValue("templateId"))
	if !ok {
		s.fail(w, r, apps.ErrTemplateNotFound)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// createAppBody is the body of POST /v1/apps: a custom app (every AppPatch field at the top), or
// a template app: templateId with id, clientId, clientSecret, variables and overrides.
type createAppBody struct {
	apps.AppPatch
	TemplateID string            `json:"templateId,omitempty"`
	Variables  map[string]string `json:"variables,omitempty"`
	Overrides  *apps.AppPatch    `json:"overrides,omitempty"`
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	var body createAppBody
	if err := s.readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	var (
		app apps.App
		err error
	)
	if body.TemplateID == "" {
		if err := customAppBodyErr(body); err != nil {
			s.fail(w, r, err)
			return
		}
		app, err = s.opts.Apps.Create(r.Context(), body.AppPatch)
	} else {
		in, ferr := templateInput(body)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		app, err = s.opts.Apps.CreateFromTemplate(r.Context(), body.TemplateID, in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", s.path("/v1/apps/"+url.PathEscape(app.ID)))
	writeJSON(w, http.StatusCreated, s.opts.Apps.View(app))
}

// customAppBodyErr refuses template-only fields in the body of a custom app.
func customAppBodyErr(body createAppBody) error {
	fields := map[string]string{}
	if body.Variables != nil {
		fields["variables"] = "only apps created from a template take variables; add templateId or remove variables"
	}
	if body.Overrides != nil {
		fields["overrides"] = "only apps created from a template take overrides; add templateId or put the settings at the top of the body"
	}
	if len(fields) > 0 {
		return &outbound.InvalidError{Kind: apps.ErrInvalidApp, Fields: fieldErrors(fields)}
	}
	return nil
}

// templateInput turns the body of a template app into a TemplateInput. App settings other than
// id, clientId and clientSecret belong in overrides; they are refused at the top of the body.
func templateInput(body createAppBody) (apps.TemplateInput, error) {
	in := apps.TemplateInput{Variables: body.Variables}
	p := body.AppPatch
	if p.ID != nil {
		in.ID = *p.ID
	}
	if p.ClientID != nil {
		in.ClientID = *p.ClientID
	}
	if p.ClientSecret != nil {
		in.ClientSecret = *p.ClientSecret
	}
	if body.Overrides != nil {
		in.Overrides = *body.Overrides
	}
	p.ID, p.ClientID, p.ClientSecret = nil, nil, nil
	if reflect.ValueOf(p).IsZero() {
		return in, nil
	}
	fields := map[string]string{}
	if data, err := json.Marshal(p); err == nil {
		var set map[string]json.RawMessage
		if json.Unmarshal(data, &set) == nil {
			for name := range set {
				fields[name] = "with templateId, put this setting in overrides"
			}
		}
	}
	if len(fields) == 0 {
		fields["overrides"] = "with templateId, put app settings other than id, clientId and clientSecret in overrides"
	}
	return in, &outbound.InvalidError{Kind: apps.ErrInvalidApp, Fields: fieldErrors(fields)}
}

func fieldErrors(fields map[string]string) []outbound.FieldError {
	out := make([]outbound.FieldError, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		out = append(out, outbound.FieldError{Field: k, Message: fields[k]})
	}
	return out
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	list, err := s.opts.Apps.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apps.AppView, 0, len(list))
	for _, app := range list {
		out = append(out, s.opts.Apps.View(app))
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": out})
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	app, err := s.opts.Apps.Get(r.Context(), r.PathValue("appId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.opts.Apps.View(app))
}

func (s *Server) updateApp(w http.ResponseWriter, r *http.Request) {
	p, err := s.readAppPatch(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	app, err := s.opts.Apps.Update(r.Context(), r.PathValue("appId"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.opts.Apps.View(app))
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Apps.Delete(r.Context(), r.PathValue("appId")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
