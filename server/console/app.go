package console

import (
	"net/http"
	"net/url"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// blankScopeRows is how many empty rows the scopes table offers to add scopes.
const blankScopeRows = 2

// appView is an app's page: its sections, each its own form.
type appView struct {
	ID, Name, Kind, Template, Action, SecretAction, CSRF, Flash string
	DeleteLink, ConnectionsLink, CallbackURL, ScopesDocsURL     string
	DocsURL, CreatedAt, UpdatedAt                               string
	OAuth, HasSecret                                            bool
	Badge                                                       badge
	// Section is the section whose form was refused, with its errors.
	Section                 string
	Errors                  formErrors
	Details, Account, Extra []input
	Tokens, Key, Params     []input
	Scopes                  []scopeRow
	PKCE, Rotates           bool
	AccessType, TokenAuth   string
	Prompts                 []promptBox
	SecretError             *fieldError
	// Tenants are the tenants' own settings of the app, shown read-only.
	Tenants []tenantRow
}

type promptBox struct {
	Value, ID string
	Checked   bool
}

// PageTitle implements titled.
func (v appView) PageTitle() string { return v.Name }

// appPage is GET /apps/{appId}.
func (c *Console) appPage(w http.ResponseWriter, r *http.Request, s *session) {
	app, err := c.opts.Apps.Get(r.Context(), r.PathValue("appId"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := c.appView(r, s, app, valuesOf(app), scopeRows(app, blankScopeRows), "", formErrors{})
	v.Flash = flash(r)
	c.render(w, r, http.StatusOK, "app", s, v)
}

func (c *Console) appView(r *http.Request, s *session, app apps.App, vals url.Values, scopes []scopeRow, section string, errs formErrors) appView {
	view := c.opts.Apps.View(app)
	v := appView{
		ID: app.ID, Name: app.Name, Kind: kindName(app.Kind), Template: app.TemplateID, CSRF: s.CSRF,
		Action: c.pathf("/apps", app.ID), SecretAction: c.pathf("/apps", app.ID, "secret"),
		DeleteLink: c.pathf("/apps", app.ID, "delete"), ConnectionsLink: c.pathf("/apps", app.ID, "connections"),
		CallbackURL: view.CallbackURL, ScopesDocsURL: app.ScopesDocsURL, DocsURL: app.DocsURL,
		CreatedAt: when(app.CreatedAt), UpdatedAt: when(app.UpdatedAt),
		OAuth: app.Kind == apps.KindOAuth2, HasSecret: view.HasClientSecret, Badge: newBadge(app.Name, app.Logo, false),
		Section: section, Errors: errs, Scopes: scopes,
		PKCE: vals.Get("pkce") == "on", Rotates: vals.Get("refresh.rotatesRefreshToken") == "on",
		AccessType: vals.Get("accessType"), TokenAuth: vals.Get("tokenAuthStyle"),
	}
	in := inputs{values: vals, errs: errs}
	v.Details = []input{in.field("name", "Name", "text", "Shown to people on consent and connect screens."),
		in.field("description", "Description", "text", ""),
		in.field("logo", "Logo URL", "url", "An https URL (or a data:image URL) of a square image.")}
	v.Account = []input{in.field("clientId", "Client ID", "text", "From the app you registered at the provider."),
		in.field("callbackDomain", "Callback domain", "text", "A domain of yours that forwards the provider's redirect to Outflow (optional); the callback URL below follows it.")}
	v.Extra = []input{in.field("defaultRedirectUrl", "Default redirect URL", "url", "Where people land after connecting, when the connect names none."),
		in.field("authorizationUrl", "Authorization endpoint", "url", ""),
		in.field("tokenUrl", "Token endpoint", "url", ""),
		in.field("revocationUrl", "Revocation endpoint", "url", "Asked to revoke tokens on disconnect (optional)."),
		in.field("userInfoUrl", "User info endpoint", "url", "Names the connected account (optional)."), apiBases(in)}
	v.Tokens = []input{in.field("refresh.marginSeconds", "Refresh margin (seconds)", "number", "Tokens are refreshed this long before they expire (default 300)."),
		in.field("refresh.fallbackLifetimeSeconds", "Assumed lifetime (seconds)", "number", "For tokens the provider gives no expiry (default 3600).")}
	v.Params = []input{in.field("authorizationParams", "Extra authorization parameters", "textarea", "One name=value per line, added to the consent URL."),
		in.field("tokenParams", "Extra token parameters", "textarea", "One name=value per line, added to token requests.")}
	v.Key = []input{in.field("apiKey.label", "Key label", "text", "Names the key on the collect screen."),
		in.field("apiKey.baseUrl", "API base URL", "url", "The only origin the key is ever sent to."),
		in.field("apiKey.formatHint.prefix", "Key prefix", "text", "Catches pasting mistakes, e.g. sk-"),
		in.field("apiKey.formatHint.example", "Example key", "text", "Shown as a placeholder; must match the prefix."), apiBases(in)}
	for _, p := range prompts {
		v.Prompts = append(v.Prompts, promptBox{Value: p, ID: inputID("prompt." + p), Checked: vals.Get("prompt."+p) == "on"})
	}
	v.SecretError = errs.By["clientSecret"]
	if v.OAuth {
		v.Tenants = c.tenantRows(r, app.ID)
	}
	return v
}

// sectionInputs are the input names of each section, for placing field errors.
var sectionInputs = []string{"name", "description", "logo", "clientId", "callbackDomain", "scopes", "defaultScopes", "defaultRedirectUrl",
	"authorizationUrl", "tokenUrl", "revocationUrl", "userInfoUrl", "refresh.marginSeconds", "refresh.fallbackLifetimeSeconds",
	"authorizationParams", "tokenParams", "accessType", "prompt", "pkce", "tokenAuthStyle", "apiKey.label", "apiKey.baseUrl",
	"apiKey.formatHint.prefix", "apiKey.formatHint.example", "clientSecret", "apiBaseUrls"}

// apiBases is the input of the API bases a credential may be sent to.
func apiBases(in inputs) input {
	return in.field("apiBaseUrls", "API base URLs", "textarea", "One per line: the only origins (with an optional path) the app's credential is sent to by the proxy.")
}

// updateApp is POST /apps/{appId}: one section's form, as PATCH /v1/apps/{appId} (Apps.Update).
func (c *Console) updateApp(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	cur, err := c.opts.Apps.Get(ctx, r.PathValue("appId"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	section := r.PostForm.Get("section")
	p, err := sectionPatch(section, r.PostForm, cur)
	if err == nil {
		_, err = c.opts.Apps.Update(ctx, cur.ID, p)
	}
	if err == nil {
		http.Redirect(w, r, c.appLink(cur.ID, "saved")+"#"+section, http.StatusSeeOther)
		return
	}
	errs, ok := errorsOf(err, sectionInputs...)
	if !ok {
		c.fail(w, r, s, err)
		return
	}
	vals := valuesOf(cur)
	for k, vs := range r.PostForm {
		vals[k] = vs
	}
	for _, name := range []string{"pkce", "refresh.rotatesRefreshToken"} {
		if section == "tokens" && r.PostForm.Get(name) == "" {
			vals.Del(name)
		}
	}
	scopes := scopeRows(cur, blankScopeRows)
	if section == "account" {
		scopes = postedScopeRows(r.PostForm)
	}
	c.render(w, r, http.StatusBadRequest, "app", s, c.appView(r, s, cur, vals, scopes, section, errs))
}

// updateSecret is POST /apps/{appId}/secret: set, replace or clear the client secret (write-only).
func (c *Console) updateSecret(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("appId")
	var p apps.AppPatch
	done := "secret-set"
	if r.PostForm.Get("action") == "clear" {
		p.ClearClientSecret, done = true, "secret-cleared"
	} else {
		sec := outbound.NewSecret(r.PostForm.Get("clientSecret"))
		p.ClientSecret = &sec
	}
	_, err := c.opts.Apps.Update(r.Context(), id, p)
	if err == nil {
		http.Redirect(w, r, c.appLink(id, done)+"#secret", http.StatusSeeOther)
		return
	}
	errs, ok := errorsOf(err, "clientSecret")
	cur, gerr := c.opts.Apps.Get(r.Context(), id)
	if !ok || gerr != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusBadRequest, "app", s, c.appView(r, s, cur, valuesOf(cur), scopeRows(cur, blankScopeRows), "secret", errs))
}
