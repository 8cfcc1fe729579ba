package apps

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/outflowhq/outflow/outbound"
)

func loadTestCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}
	return c
}

// sampleInput is what an operator would give to create an app from t.
func sampleInput(t Template) TemplateInput {
	in := TemplateInput{Variables: map[string]string{}}
	for _, v := range t.Variables {
		in.Variables[v.Name] = v.Example
	}
	if t.Kind == KindOAuth2 {
		in.ClientID, in.ClientSecret = "client-123", outbound.NewSecret("shh-client-secret")
	}
	return in
}

func TestCatalogEveryTemplateIsValidAndMakesAValidApp(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	list := c.List()
	if len(list) < 30 {
		t.Fatalf("catalog has %d templates, want at least 30", len(list))
	}
	for _, tmpl := range list {
		t.Run(tmpl.ID, func(t *testing.T) {
			if err := tmpl.Validate(); err != nil {
				t.Fatalf("template invalid: %v", err)
			}
			if tmpl.DocsURL == "" {
				t.Error("no docsUrl")
			}
			if len(tmpl.Scopes) > 0 && tmpl.ScopesDocsURL == "" {
				t.Error("scopes listed but no scopesDocsUrl")
			}
			for i, s := range tmpl.Scopes {
				if s.Description == "" {
					t.Errorf("scopes[%d] %q has no description", i, s.Name)
				}
			}
			app, err := tmpl.NewApp(sampleInput(tmpl))
			if err != nil {
				t.Fatalf("NewApp: %v", err)
			}
			if err := app.Validate(); err != nil {
				t.Fatalf("created app invalid: %v", err)
			}
			if app.TemplateID != tmpl.ID || app.ID != tmpl.ID {
				t.Errorf("app id %q, template id %q; want both %q", app.ID, app.TemplateID, tmpl.ID)
			}
			if tmpl.Kind == KindAPIKey && app.APIKey.Probe != nil {
				fields := map[string]string{}
				for _, f := range app.APIKey.Fields {
					fields[f.Name] = f.Placeholder
				}
				req, err := app.ProbeRequest(t.Context(), "key-for-probe-test", fields)
				if err != nil {
					t.Fatalf("ProbeRequest: %v", err)
				}
				if !strings.HasPrefix(req.URL.String(), app.APIKey.BaseURL+"/") {
					t.Errorf("probe goes to %s, outside %s", req.URL, app.APIKey.BaseURL)
				}
			}
		})
	}
}

func TestCatalogListIsSortedAndHasTheRequiredProviders(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	var ids []string
	for _, tmpl := range c.List() {
		ids = append(ids, tmpl.ID)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("List not sorted by id: %v", ids)
	}
	required := []string{
		"google-contacts", "google-calendar", "gmail", "github", "gitlab", "slack", "microsoft-graph",
		"salesforce", "hubspot", "notion", "dropbox", "zoom", "atlassian", "linear", "asana", "box",
		"discord", "spotify", "zendesk", "intercom",
		"openai", "anthropic", "stripe", "sendgrid", "twilio", "mailgun",
	}
	for _, id := range required {
		if _, ok := c.Get(id); !ok {
			t.Errorf("catalog lacks %s", id)
		}
	}
	if _, ok := c.Get("no-such-provider"); ok {
		t.Error("Get found a template that does not exist")
	}
}

func TestCatalogGoogleContactsMatchesTheSeed(t *testing.T) {
	t.Parallel()
	tmpl, ok := loadTestCatalog(t).Get("google-contacts")
	if !ok {
		t.Fatal("google-contacts missing")
	}
	app, err := tmpl.NewApp(TemplateInput{ClientID: "123.apps.googleusercontent.com", ClientSecret: outbound.NewSecret("GOCSPX-secret")})
	if err != nil {
		t.Fatalf("NewApp with only client id and secret: %v", err)
	}
	if app.AuthorizationURL != "https://accounts.google.com/o/oauth2/v2/auth" ||
		app.TokenURL != "https://oauth2.googleapis.com/token" ||
		app.RevocationURL != "https://oauth2.googleapis.com/revoke" {
		t.Errorf("endpoints = %s, %s, %s", app.AuthorizationURL, app.TokenURL, app.RevocationURL)
	}
	wantScopes := []Scope{
		{Name: "https://www.googleapis.com/auth/contacts", Description: "See, edit, download, and permanently delete your contacts"},
		{Name: "https://www.googleapis.com/auth/contacts.readonly", Description: "See and download your contacts"},
	}
	if !slices.Equal(app.Scopes, wantScopes) {
		t.Errorf("scopes = %+v, want %+v", app.Scopes, wantScopes)
	}
	if !slices.Equal(app.DefaultScopes, []string{"https://www.googleapis.com/auth/contacts"}) {
		t.Errorf("default scopes = %v", app.DefaultScopes)
	}
	if app.AccessType != AccessTypeOffline || !slices.Equal(app.Prompt, []string{PromptConsent}) ||
		app.AuthorizationParams["include_granted_scopes"] != "true" || !app.PKCE {
		t.Errorf("google quirks not set: accessType=%q prompt=%v params=%v pkce=%v",
			app.AccessType, app.Prompt, app.AuthorizationParams, app.PKCE)
	}
	if got := app.CallbackURL("https://auth.example.com"); got != "https://auth.example.com/v1/oauth/callback/google-contacts" {
		t.Errorf("callback URL = %s", got)
	}
}

func TestCatalogQuirksAreModelled(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	get := func(id string) App {
		tmpl, ok := c.Get(id)
		if !ok {
			t.Fatalf("%s missing", id)
		}
		app, err := tmpl.NewApp(sampleInput(tmpl))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return app
	}
	if a := get("slack"); a.ScopeSep() != "," || a.TokenResponsePath != "authed_user" || a.ScopeParameter() != "user_scope" || a.PKCE {
		t.Errorf("slack: sep %q path %q param %q pkce %v", a.ScopeSep(), a.TokenResponsePath, a.ScopeParameter(), a.PKCE)
	}
	if a := get("github"); a.ScopeSep() != " " {
		t.Errorf("github separator %q, want space", a.ScopeSep())
	}
	for _, id := range []string{"atlassian", "box", "linear", "airtable"} {
		if !get(id).Refresh.RotatesRefreshToken {
			t.Errorf("%s should rotate refresh tokens", id)
		}
	}
	if get("dropbox").Refresh.RotatesRefreshToken {
		t.Error("dropbox refresh tokens do not rotate")
	}
	if a := get("salesforce"); a.Refresh.FallbackLifetime().Seconds() != 3600 {
		t.Errorf("salesforce fallback lifetime %v", a.Refresh.FallbackLifetime())
	}
	if a := get("zendesk"); a.AuthorizationURL != "https://acme.zendesk.com/oauth/authorizations/new" {
		t.Errorf("zendesk authorization URL %s", a.AuthorizationURL)
	}
	if a := get("microsoft-graph"); !strings.Contains(a.TokenURL, "/contoso.onmicrosoft.com/") {
		t.Errorf("microsoft token URL %s", a.TokenURL)
	}
}

func TestTemplateMissingVariableIsAFieldError(t *testing.T) {
	t.Parallel()
	tmpl, _ := loadTestCatalog(t).Get("zendesk")
	_, err := tmpl.NewApp(TemplateInput{ClientID: "id", ClientSecret: outbound.NewSecret("secret")})
	var ve *outbound.InvalidError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *outbound.InvalidError", err)
	}
	if msg, ok := ve.Field("variables.subdomain"); !ok || !strings.Contains(msg, "required") {
		t.Errorf("variables.subdomain message = %q (present %v); all: %v", msg, ok, err)
	}
}

func TestTemplateVariableCannotChangeTheHost(t *testing.T) {
	t.Parallel()
	tmpl, _ := loadTestCatalog(t).Get("zendesk")
	for _, evil := range []string{"evil.com/x", "acme.evil.com#", "user@evil.com", "evil.com:443", "a b"} {
		in := sampleInput(tmpl)
		in.Variables["subdomain"] = evil
		if _, err := tmpl.NewApp(in); err == nil {
			t.Errorf("subdomain %q accepted", evil)
		} else if _, ok := err.(*outbound.InvalidError).Field("variables.subdomain"); !ok {
			t.Errorf("subdomain %q: error not on variables.subdomain: %v", evil, err)
		}
	}
	in := sampleInput(tmpl)
	in.Variables["region"] = "eu"
	if _, err := tmpl.NewApp(in); err == nil || !strings.Contains(err.Error(), "variables.region") {
		t.Errorf("unknown variable accepted: %v", err)
	}
}

func TestTemplateDefaultVariableAndOverrides(t *testing.T) {
	t.Parallel()
	tmpl, _ := loadTestCatalog(t).Get("gitlab")
	name := "Our GitLab"
	app, err := tmpl.NewApp(TemplateInput{
		ID: "gitlab-internal", ClientID: "id", ClientSecret: outbound.NewSecret("secret"),
		Overrides: AppPatch{Name: &name, DefaultScopes: &[]string{"read_api"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if app.TokenURL != "https://gitlab.com/oauth/token" {
		t.Errorf("default host not used: %s", app.TokenURL)
	}
	if app.ID != "gitlab-internal" || app.TemplateID != "gitlab" || app.Name != name ||
		!slices.Equal(app.DefaultScopes, []string{"read_api"}) {
		t.Errorf("overrides not applied: %+v", app)
	}
}

func TestCatalogCopiesDoNotAliasTheCatalog(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	tmpl, _ := c.Get("google-contacts")
	tmpl.Scopes[0].Name = "mutated"
	tmpl.AuthorizationParams["x"] = "y"
	again, _ := c.Get("google-contacts")
	if again.Scopes[0].Name == "mutated" || again.AuthorizationParams["x"] == "y" {
		t.Error("changing a returned template changed the catalog")
	}
}

const testLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><title>Demo</title><rect width="64" height="64" rx="14"/></svg>`

func TestLoadCatalogIsStrict(t *testing.T) {
	t.Parallel()
	good := "id: demo\nkind: apikey\nname: Demo\ndocsUrl: https://example.com/docs\napiKey:\n  label: Demo key\n"
	tests := map[string]struct {
		file, data, wantErr string
	}{
		"unknown key":           {"demo.yaml", good + "colour: blue\n", "field colour not found"},
		"unknown nested key":    {"demo.yaml", good + "  lable: typo\n", "field lable not found"},
		"two documents":         {"demo.yaml", good + "---\n" + good, "one template per file"},
		"file name differs":     {"other.yaml", good, `does not match the file name`},
		"client id in template": {"demo.yaml", strings.Replace(good, "kind: apikey", "kind: oauth2\nclientId: abc\nauthorizationUrl: https://example.com/a\ntokenUrl: https://example.com/t", 1) + "", "clientId"},
		"logo in the yaml":      {"demo.yaml", good + "logo: https://example.com/l.svg\n", "the logo is the file logos/demo.svg"},
		"no logo file":          {"nologo.yaml", strings.Replace(good, "id: demo", "id: nologo", 1), "logo catalog/logos/nologo.svg"},
		"logo without title":    {"demo.yaml", good, "<title>"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{"catalog/" + tc.file: {Data: []byte(tc.data)}, "catalog/logos/demo.svg": {Data: []byte(testLogo)}}
			if name == "logo without title" {
				fsys["catalog/logos/demo.svg"] = &fstest.MapFile{Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64"/></svg>`)}
			}
			_, err := loadCatalog(fsys, "catalog")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
	fsys := fstest.MapFS{"catalog/demo.yaml": {Data: []byte(good)}, "catalog/logos/demo.svg": {Data: []byte(testLogo)}}
	c, err := loadCatalog(fsys, "catalog")
	if err != nil {
		t.Fatalf("good file rejected: %v", err)
	}
	if tmpl, _ := c.Get("demo"); tmpl.PKCE {
		t.Error("apikey template got pkce on")
	}
}

func TestParseTemplatePKCEDefaultsOnForOAuth2(t *testing.T) {
	t.Parallel()
	base := "id: demo\nkind: oauth2\nname: Demo\n"
	on, err := parseTemplate([]byte(base))
	if err != nil || !on.PKCE {
		t.Errorf("pkce absent: PKCE=%v err=%v, want on", on.PKCE, err)
	}
	off, err := parseTemplate([]byte(base + "pkce: false\n"))
	if err != nil || off.PKCE {
		t.Errorf("pkce: false: PKCE=%v err=%v, want off", off.PKCE, err)
	}
}

func TestParseTemplateReadsTheSourcesDateAsWritten(t *testing.T) {
	t.Parallel()
	tmpl, err := parseTemplate([]byte("id: demo\nkind: apikey\nname: Demo\nsources:\n  checked: 2026-12-07\n  keys: [https://example.com/auth]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.Sources.Checked != "2026-12-07" || tmpl.Sources.Keys[0] != "https://example.com/auth" {
		t.Errorf("sources = %+v", tmpl.Sources)
	}
}
