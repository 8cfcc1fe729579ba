package apps

import (
	"bytes"
	"encoding/json"
	"slices"
)

// WithTenant returns the app as a consent of the tenant sees it: the template's variables
// filled with the tenant's values, then the tenant's endpoints, scopes, authorization
// parameters and client laid over the app's. The result passes the same rules as any app
// (App.Validate, URL rules included); problems come back as an *outbound.InvalidError of kind
// ErrInvalidApp, named by the app fields they concern.
func (a *App) WithTenant(s *TenantSettings, cat *Catalog) (App, error) {
	var p Problems
	out := a.overlay(s, cat, &p)
	p.Merge(out.Validate())
	if err := p.Err(); err != nil {
		return App{}, err
	}
	return out, nil
}

// overlay lays the tenant's settings over a copy of the app, recording problems with the
// variables in p; it does not validate the result.
func (a *App) overlay(s *TenantSettings, cat *Catalog, p *Problems) App {
	out := a.Clone()
	if len(s.Variables) > 0 {
		fillTenantVariables(&out, s.Variables, cat, p)
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&out.AuthorizationURL, s.AuthorizationURL}, {&out.TokenURL, s.TokenURL},
		{&out.RefreshURL, s.RefreshURL}, {&out.RevocationURL, s.RevocationURL},
		{&out.DiscoveryURL, s.DiscoveryURL}, {&out.UserInfoURL, s.UserInfoURL}, {&out.Issuer, s.Issuer},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if len(s.APIBaseURLs) > 0 {
		out.APIBaseURLs = slices.Clone(s.APIBaseURLs)
	}
	if len(s.Scopes) > 0 {
		out.Scopes = slices.Clone(s.Scopes)
	}
	if len(s.DefaultScopes) > 0 {
		out.DefaultScopes = slices.Clone(s.DefaultScopes)
	}
	for _, k := range sortedKeys(s.AuthorizationParams) {
		if out.AuthorizationParams == nil {
			out.AuthorizationParams = map[string]string{}
		}
		out.AuthorizationParams[k] = s.AuthorizationParams[k]
	}
	if s.ClientID != "" {
		out.ClientID, out.ClientSecret = s.ClientID, s.ClientSecret
	}
	if s.UpdatedAt.After(out.UpdatedAt) {
		out.UpdatedAt = s.UpdatedAt
	}
	return out
}

// fillTenantVariables renders the app's template with the tenant's variables and takes, for
// every field whose template value holds a placeholder, the rendered value.
func fillTenantVariables(out *App, vars map[string]string, cat *Catalog, p *Problems) {
	t, ok := Template{}, false
	if out.TemplateID != "" && cat != nil {
		t, ok = cat.Get(out.TemplateID)
	}
	if !ok {
		p.Add("variables", "the app was not created from a template, so it has no variables; override its URLs instead")
		return
	}
	before := len(p.List)
	values := t.resolveVariables(p, vars)
	if len(p.List) > before {
		return
	}
	raw := t.App.Clone()
	templated := map[string]string{}
	for _, f := range raw.templatedFields() {
		if placeholderRE.MatchString(*f.value) {
			templated[f.path] = *f.value
		}
	}
	for _, f := range out.templatedFields() {
		if r, ok := templated[f.path]; ok {
			*f.value = fillVariables(r, values)
		}
	}
	for _, m := range []struct{ raw, dst map[string]string }{
		{raw.AuthorizationParams, out.AuthorizationParams},
		{raw.TokenParams, out.TokenParams},
		{raw.RefreshParams, out.RefreshParams},
	} {
		for k, v := range m.raw {
			if _, ok := m.dst[k]; ok && placeholderRE.MatchString(v) {
				m.dst[k] = fillVariables(v, values)
			}
		}
	}
}

func sameJSON(x, y any) bool {
	bx, err1 := json.Marshal(x)
	by, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && bytes.Equal(bx, by)
}
