package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// The custom kinds of GET /library/{from}; any other value is a template id.
const (
	fromCustomOAuth = "custom-oauth2"
	fromCustomKey   = "custom-apikey"
)

type newAppView struct {
	Title, Action, CSRF, Intro, DocsURL string
	Badge                               *badge
	Errors                              formErrors
	Inputs                              []input
}

// PageTitle implements titled.
func (v newAppView) PageTitle() string { return v.Title }

// newAppPage is GET /library/{from}: the form that creates an app from a template or custom.
func (c *Console) newAppPage(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := c.newAppView(r.PathValue("from"), s, url.Values{}, formErrors{})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "newapp", s, v)
}

func (c *Console) newAppView(from string, s *session, vals url.Values, errs formErrors) (newAppView, error) {
	in := inputs{values: vals, errs: errs}
	v := newAppView{Action: c.pathf("/library", from), CSRF: s.CSRF, Errors: errs}
	idHint := "Letters, digits, '-' and '_'. It is fixed once the app is created: flows and the callback URL name it."
	switch from {
	case fromCustomOAuth:
		v.Title, v.Intro = "New custom OAuth app", "Any OAuth 2.0 provider: you give its endpoints. Scopes and the rest are on the app's page once it exists."
		v.Inputs = []input{in.field("id", "App id", "text", idHint), in.field("name", "Name", "text", "Shown to people on consent screens."),
			in.field("description", "Description", "text", ""), in.field("logo", "Logo URL", "url", "An https URL of an image (optional)."),
			in.field("clientId", "Client ID", "text", "From the app you registered at the provider."),
			in.field("clientSecret", "Client secret", "password", "Write-only: it is sealed and never shown again."),
			in.field("authorizationUrl", "Authorization endpoint", "url", "Where people consent, e.g. https://provider.example.com/oauth/authorize"),
			in.field("tokenUrl", "Token endpoint", "url", "Where codes become tokens, e.g. https://provider.example.com/oauth/token")}
	case fromCustomKey:
		v.Title, v.Intro = "New custom API-key app", "A service people connect by pasting an API key. Outflow seals the key; only its version and last characters are ever shown."
		v.Inputs = []input{in.field("id", "App id", "text", idHint), in.field("name", "Name", "text", ""),
			in.field("description", "Description", "text", ""),
			in.field("apiKey.label", "Key label", "text", "Names the key on the collect screen, e.g. \"OpenAI API key\"."),
			in.field("apiKey.baseUrl", "API base URL", "url", "The service's API origin, e.g. https://api.example.com (optional).")}
	default:
		t, ok := c.opts.Apps.Catalog().Get(from)
		if !ok {
			return v, apps.ErrTemplateNotFound
		}
		v.Title, v.Intro, v.DocsURL = "New "+t.Name+" app", t.Description, t.DocsURL
		b := newBadge(t.Name, t.Logo, false)
		v.Badge = &b
		if vals.Get("id") == "" {
			vals.Set("id", t.ID)
		}
		v.Inputs = []input{in.field("id", "App id", "text", idHint), in.field("name", "Name", "text", "Leave empty for \""+t.Name+"\".")}
		if t.Kind == apps.KindOAuth2 {
			v.Inputs = append(v.Inputs, in.field("clientId", "Client ID", "text", "From the app you registered at "+t.Name+"."),
				in.field("clientSecret", "Client secret", "password", "Write-only: it is sealed and never shown again."))
		}
		for _, tv := range t.Variables {
			f := in.field("variables."+tv.Name, tv.Label, "text", tv.Description)
			f.Placeholder = tv.Example
			if f.Value == "" {
				f.Value = tv.Default
			}
			v.Inputs = append(v.Inputs, f)
		}
	}
	return v, nil
}

// createApp is POST /library/{from}: Apps.Create or Apps.CreateFromTemplate, as POST /v1/apps.
func (c *Console) createApp(w http.ResponseWriter, r *http.Request, s *session) {
	from := r.PathValue("from")
	f := r.PostForm
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	ptr := func(k string) *string {
		v := get(k)
		return &v
	}
	var (
		app apps.App
		err error
	)
	switch from {
	case fromCustomOAuth, fromCustomKey:
		kind := apps.KindOAuth2
		p := apps.AppPatch{ID: ptr("id"), Kind: &kind, Name: ptr("name"), Description: ptr("description")}
		if from == fromCustomKey {
			kind = apps.KindAPIKey
			p.APIKey = &apps.APIKeyPatch{Label: ptr("apiKey.label"), BaseURL: ptr("apiKey.baseUrl")}
		} else {
			p.Logo, p.ClientID, p.AuthorizationURL, p.TokenURL = ptr("logo"), ptr("clientId"), ptr("authorizationUrl"), ptr("tokenUrl")
			if sec := f.Get("clientSecret"); sec != "" {
				secret := outbound.NewSecret(sec)
				p.ClientSecret = &secret
			}
		}
		app, err = c.opts.Apps.Create(r.Context(), p)
	default:
		in := apps.TemplateInput{ID: get("id"), ClientID: get("clientId"), ClientSecret: outbound.NewSecret(f.Get("clientSecret"))}
		for k := range f {
			if name, ok := strings.CutPrefix(k, "variables."); ok {
				if in.Variables == nil {
					in.Variables = map[string]string{}
				}
				in.Variables[name] = get(k)
			}
		}
		if n := get("name"); n != "" {
			in.Overrides.Name = &n
		}
		app, err = c.opts.Apps.CreateFromTemplate(r.Context(), from, in)
	}
	if err != nil {
		c.refuseNewApp(w, r, s, from, err)
		return
	}
	http.Redirect(w, r, c.appLink(app.ID, "created"), http.StatusSeeOther)
}

// refuseNewApp shows the form again with what was typed (but the secret) and the field errors.
func (c *Console) refuseNewApp(w http.ResponseWriter, r *http.Request, s *session, from string, err error) {
	vals := url.Values{}
	for k, v := range r.PostForm {
		if k != "clientSecret" && k != formCSRF {
			vals[k] = v
		}
	}
	names := []string{"id", "name", "description", "logo", "clientId", "clientSecret", "authorizationUrl", "tokenUrl", "apiKey.label", "apiKey.baseUrl"}
	for k := range vals {
		names = append(names, k)
	}
	errs, ok := errorsOf(err, names...)
	if !ok {
		errs = formErrors{List: []fieldError{{ID: inputID("id"), Text: classify(err).text}}, By: map[string]*fieldError{}}
		if pe := classify(err); pe.status >= 500 {
			c.fail(w, r, s, err)
			return
		}
	}
	v, verr := c.newAppView(from, s, vals, errs)
	if verr != nil {
		c.fail(w, r, s, verr)
		return
	}
	c.render(w, r, http.StatusBadRequest, "newapp", s, v)
}
