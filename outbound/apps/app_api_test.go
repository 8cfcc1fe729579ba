package apps

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
)

func oauthApp(t *testing.T, p AppPatch) (App, error) {
	t.Helper()
	id, kind, name := "crm", KindOAuth2, "CRM"
	cid, au, tu := "client", "https://crm.example.com/authorize", "https://crm.example.com/token"
	p.ID, p.Kind, p.Name, p.ClientID, p.AuthorizationURL, p.TokenURL = &id, &kind, &name, &cid, &au, &tu
	return NewApp(p)
}

func fieldErr(err error, field string) string {
	var ve *outbound.InvalidError
	if !errors.As(err, &ve) {
		return ""
	}
	for _, f := range ve.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

func TestAPIBaseURLRules(t *testing.T) {
	t.Parallel()
	good := []string{
		"https://api.github.com", "https://acme.zendesk.com/api/v2", "https://api.hubapi.com/",
		"http://127.0.0.1:8080/api",
	}
	for _, u := range good {
		if msg := CheckAPIBaseURL(u, false); msg != "" {
			t.Errorf("%s refused: %s", u, msg)
		}
	}
	if msg := CheckAPIBaseURL("https://*.my.salesforce.com", true); msg != "" {
		t.Errorf("wildcard with apiBaseUrlFrom refused: %s", msg)
	}
	bad := map[string]string{
		"http://api.example.com":             "https",
		"https://api.example.com?x=1":        "no query",
		"https://api.example.com/a#f":        "fragment",
		"https://user:pw@api.example.com":    "user name",
		"https://*.my.salesforce.com":        "only with apiBaseUrlFrom",
		"https://api.example.com/a/../admin": "no . or .. segments",
		"https://API.example.com":            "lowercase",
		"https://169.254.169.254/latest":     "link-local",
		"https://{subdomain}.zendesk.com":    "placeholder",
		"https://a.*.example.com":            "leading *.",
		"ftp://files.example.com":            "https",
	}
	for u, want := range bad {
		if msg := CheckAPIBaseURL(u, false); !strings.Contains(msg, want) {
			t.Errorf("%s: got %q, want it to mention %q", u, msg, want)
		}
	}
	if msg := CheckAPIBaseURL("https://*.com", true); !strings.Contains(msg, "two labels") {
		t.Errorf("*.com: %q", msg)
	}
}

func TestAppAPIFieldsAreValidated(t *testing.T) {
	t.Parallel()
	from := "instance_url"
	_, err := oauthApp(t, AppPatch{APIBaseURLFrom: &from})
	if !strings.Contains(fieldErr(err, "apiBaseUrlFrom"), "needs apiBaseUrls") {
		t.Errorf("apiBaseUrlFrom without bases: %v", err)
	}
	for name, want := range map[string]string{
		"Authorization": "cannot be set", "Cookie": "cannot be set", "Host": "cannot be set",
		"Connection": "cannot be set", "Transfer-Encoding": "cannot be set", "Bad Name": "not a valid header name",
	} {
		v := "x"
		_, err := oauthApp(t, AppPatch{APIHeaders: map[string]*string{name: &v}})
		if msg := fieldErr(err, "apiHeaders."+name); !strings.Contains(msg, want) {
			t.Errorf("apiHeaders.%s: %q, want %q", name, msg, want)
		}
	}
	cookie, empty := "Cookie", ""
	_, err = oauthApp(t, AppPatch{APIAuth: &APIAuthPatch{Header: &cookie}})
	if fieldErr(err, "apiAuth.header") == "" {
		t.Errorf("apiAuth.header Cookie accepted: %v", err)
	}
	_, err = oauthApp(t, AppPatch{APIAuth: &APIAuthPatch{Prefix: &empty}})
	if !strings.Contains(fieldErr(err, "apiAuth.header"), "required") {
		t.Errorf("apiAuth without header: %v", err)
	}
	nl := "Bearer\n"
	_, err = oauthApp(t, AppPatch{APIAuth: &APIAuthPatch{Header: new("Authorization"), Prefix: &nl}})
	if fieldErr(err, "apiAuth.prefix") == "" {
		t.Errorf("prefix with a newline accepted: %v", err)
	}
	key := AppPatch{ID: new("k"), Kind: new(KindAPIKey), Name: new("K"), APIKey: &APIKeyPatch{Label: new("Key")},
		APIBaseURLFrom: &from, APIAuth: &APIAuthPatch{Header: new("X-Key")}, APIBaseURLs: &[]string{"https://api.k.example"}}
	_, err = NewApp(key)
	if fieldErr(err, "apiBaseUrlFrom") == "" || fieldErr(err, "apiAuth") == "" {
		t.Errorf("oauth2-only API fields accepted on an apikey app: %v", err)
	}
}

func TestAppAPIFieldsMergePatch(t *testing.T) {
	t.Parallel()
	v1, v2 := "2022-06-28", "beta"
	a, err := oauthApp(t, AppPatch{
		APIBaseURLs: &[]string{"https://api.crm.example.com", "https://files.crm.example.com/v1"},
		APIHeaders:  map[string]*string{"Notion-Version": &v1, "X-Feature": &v2},
		APIAuth:     &APIAuthPatch{Header: new("X-Access-Token"), Prefix: new("")},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := AppPatch{
		APIHeaders: map[string]*string{"X-Feature": nil},
		APIAuth:    &APIAuthPatch{Prefix: new("token ")},
	}.Apply(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.APIHeaders["X-Feature"]; ok || b.APIHeaders["Notion-Version"] != v1 {
		t.Errorf("headers not merged key by key: %v", b.APIHeaders)
	}
	if *b.APIAuth != (APIAuth{Header: "X-Access-Token", Prefix: "token "}) {
		t.Errorf("apiAuth not merged field by field: %+v", b.APIAuth)
	}
	if len(a.APIHeaders) != 2 || a.APIAuth.Prefix != "" {
		t.Error("Apply changed the original app")
	}
	c, err := AppPatch{Remove: []string{"apiAuth", "apiBaseUrls"}}.Apply(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.APIAuth != nil || c.APIBaseURLs != nil {
		t.Errorf("null did not remove: %+v %v", c.APIAuth, c.APIBaseURLs)
	}
	if !IsPatchField("apiAuth.prefix") || !IsPatchField("apiHeaders") || !IsPatchField("apiBaseUrlFrom") {
		t.Error("the API fields are not patch fields")
	}
}

func TestTemplateChoicesFillSeveralHosts(t *testing.T) {
	t.Parallel()
	tmpl := regionTemplate()
	if err := tmpl.Validate(); err != nil {
		t.Fatalf("valid template refused: %v", err)
	}
	in := TemplateInput{ClientID: "c", ClientSecret: outbound.NewSecret("s"), Variables: map[string]string{"region": "eu"}}
	app, err := tmpl.NewApp(in)
	if err != nil {
		t.Fatal(err)
	}
	if app.AuthorizationURL != "https://app.eu.intercom.com/oauth" || app.APIBaseURLs[0] != "https://api.eu.intercom.io" {
		t.Errorf("eu hosts not filled: %s %v", app.AuthorizationURL, app.APIBaseURLs)
	}
	in.Variables = nil
	if app, _ = tmpl.NewApp(in); app.TokenURL != "https://api.intercom.io/auth/eagle/token" {
		t.Errorf("default choice not used: %s", app.TokenURL)
	}
	in.Variables = map[string]string{"region": "mars"}
	if _, err = tmpl.NewApp(in); !strings.Contains(fieldErr(err, "variables.region"), "one of us, eu, au") {
		t.Errorf("unknown choice: %v", err)
	}
}

func regionTemplate() Template {
	return Template{
		App: App{ID: "intercom", Kind: KindOAuth2, Name: "Intercom", DocsURL: "https://developers.intercom.com/",
			AuthorizationURL: "https://{region.app}/oauth", TokenURL: "https://{region.api}/auth/eagle/token",
			APIBaseURLs: []string{"https://{region.api}"}, PKCE: true},
		Variables: []Variable{{Name: "region", Label: "Workspace region", Default: "us", Choices: []Choice{
			{Value: "us", Label: "United States", Set: map[string]string{"app": "app.intercom.com", "api": "api.intercom.io"}},
			{Value: "eu", Label: "Europe", Set: map[string]string{"app": "app.eu.intercom.com", "api": "api.eu.intercom.io"}},
			{Value: "au", Label: "Australia", Set: map[string]string{"app": "app.au.intercom.com", "api": "api.au.intercom.io"}},
		}}},
	}
}

func TestTemplateChoicesAreChecked(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		edit        func(*Template)
		field, want string
	}{
		"default not a choice": {func(t *Template) { t.Variables[0].Default = "mars" }, "variables[0].default", "one of the choices"},
		"keys differ": {func(t *Template) { t.Variables[0].Choices[2].Set = map[string]string{"app": "x.example.com"} },
			"variables[0].choices[2].set", "same keys"},
		"unknown key": {func(t *Template) { t.TokenURL = "https://{region.auth}/token" }, "tokenUrl", `no choices that set "auth"`},
		"undeclared":  {func(t *Template) { t.TokenURL = "https://{zone}/token" }, "tokenUrl", "not in variables"},
		"value with a slash": {func(t *Template) { t.Variables[0].Choices[1].Set["api"] = "evil.example/x" },
			"variables[0].choices[1].set.api", "plain name"},
		"duplicate value": {func(t *Template) { t.Variables[0].Choices[1].Value = "us" }, "variables[0].choices[1].value", "twice"},
		"no label":        {func(t *Template) { t.Variables[0].Choices[0].Label = " " }, "variables[0].choices[0].label", "required"},
		"wildcard base":   {func(t *Template) { t.APIBaseURLs = []string{"https://*.intercom.io"} }, "apiBaseUrls[0]", "apiBaseUrlFrom"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tmpl := regionTemplate()
			tc.edit(&tmpl)
			if msg := fieldErr(tmpl.Validate(), tc.field); !strings.Contains(msg, tc.want) {
				t.Errorf("%s: %q, want %q (all: %v)", tc.field, msg, tc.want, tmpl.Validate())
			}
		})
	}
}

func TestTemplateMetadataIsChecked(t *testing.T) {
	t.Parallel()
	tmpl := regionTemplate()
	tmpl.Categories = []string{"support", "crm", "support", "helpdesk"}
	tmpl.Keywords = []string{"chat", "Live Chat"}
	tmpl.Sources = Sources{Checked: "7 Dec 2026", Endpoints: []string{"http://docs.example.com"}}
	err := tmpl.Validate()
	for field, want := range map[string]string{
		"categories[2]": "twice", "categories[3]": "not a category", "keywords[1]": "lower-case",
		"sources.checked": "date", "sources.endpoints[0]": "https",
	} {
		if msg := fieldErr(err, field); !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want %q", field, msg, want)
		}
	}
	err = regionTemplate().CheckComplete()
	for _, field := range []string{"logo", "categories", "keywords", "sources.checked", "sources.endpoints", "sources.refresh", "sources.api"} {
		if fieldErr(err, field) == "" {
			t.Errorf("CheckComplete does not ask for %s: %v", field, err)
		}
	}
}

func TestAppsFileSetsTheAPIFields(t *testing.T) {
	t.Parallel()
	src := `apps:
  - id: shop
    kind: oauth2
    name: Shop
    clientId: c
    clientSecretEnv: SHOP_SECRET
    authorizationUrl: https://acme.myshopify.com/admin/oauth/authorize
    tokenUrl: https://acme.myshopify.com/admin/oauth/access_token
    apiBaseUrls: [https://acme.myshopify.com/admin/api]
    apiHeaders: {X-Shop-Feature: on}
    apiAuth: {header: X-Shopify-Access-Token, prefix: ""}
`
	specs, err := ParseAppsFile("apps.yaml", []byte(src), testEnv(map[string]string{"SHOP_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	app, err := NewApp(specs[0].Patch)
	if err != nil {
		t.Fatal(err)
	}
	if app.APIBaseURLs[0] != "https://acme.myshopify.com/admin/api" || app.APIHeaders["X-Shop-Feature"] != "on" ||
		app.APIAuth == nil || app.APIAuth.Header != "X-Shopify-Access-Token" || app.APIAuth.Prefix != "" {
		t.Errorf("app = %+v", app)
	}
	bad := strings.Replace(src, "X-Shopify-Access-Token", "Cookie", 1)
	specs, err = ParseAppsFile("apps.yaml", []byte(bad), testEnv(map[string]string{"SHOP_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err = NewApp(specs[0].Patch); fieldErr(err, "apiAuth.header") == "" {
		t.Errorf("a Cookie apiAuth header from the apps file was accepted: %v", err)
	}
}

func TestAppsFileChoosesATemplateRegion(t *testing.T) {
	t.Parallel()
	src := "apps:\n  - template: mailgun\n    variables: {region: eu}\n  - template: sendgrid\n    id: sendgrid-mars\n    variables: {region: mars}\n"
	specs, err := ParseAppsFile("apps.yaml", []byte(src), testEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	mailgun, _ := c.Get("mailgun")
	app, err := mailgun.NewApp(specs[0].Input)
	if err != nil {
		t.Fatal(err)
	}
	if app.APIKey.BaseURL != "https://api.eu.mailgun.net" || app.APIBaseURLs[0] != "https://api.eu.mailgun.net" {
		t.Errorf("eu mailgun = %s %v", app.APIKey.BaseURL, app.APIBaseURLs)
	}
	sendgrid, _ := c.Get("sendgrid")
	if _, err := sendgrid.NewApp(specs[1].Input); !strings.Contains(fieldErr(err, "variables.region"), "one of global, eu") {
		t.Errorf("an unknown region: %v", err)
	}
}

func TestMatchAPIBase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		base, raw string
		want      bool
	}{
		{"https://api.github.com", "https://api.github.com/user/repos?page=2", true},
		{"https://api.github.com", "https://API.github.com/user", true},
		{"https://api.github.com", "https://api.github.com:443/user", true},
		{"https://api.github.com", "http://api.github.com/user", false},
		{"https://api.github.com", "https://api.github.com.evil.example/user", false},
		{"https://api.github.com", "https://api.github.com:8443/user", false},
		{"https://api.github.com", "https://user:pw@api.github.com/user", false},
		{"https://acme.zendesk.com/api/v2", "https://acme.zendesk.com/api/v2/tickets.json", true},
		{"https://acme.zendesk.com/api/v2", "https://acme.zendesk.com/api/v2", true},
		{"https://acme.zendesk.com/api/v2", "https://acme.zendesk.com/api/v20/x", false},
		{"https://acme.zendesk.com/api/v2", "https://acme.zendesk.com/api/v2/../../admin", false},
		{"https://acme.zendesk.com/api/v2/", "https://acme.zendesk.com/api/v2/users", true},
		{"https://*.pipedrive.com/api", "https://acme.pipedrive.com/api/v1/deals", true},
		{"https://*.pipedrive.com/api", "https://pipedrive.com/api/v1/deals", false},
		{"https://*.pipedrive.com/api", "https://a.b.pipedrive.com/api/v1", false},
		{"https://*.pipedrive.com/api", "https://acme.pipedrive.com.evil.example/api", false},
		{"https://*.pipedrive.com/api", "https://ACME.Pipedrive.com:443/api", true},
		{"https://*.pipedrive.com/api", "https://a_b.pipedrive.com/api", false},
		{"https://*.pipedrive.com/api", "https://-a.pipedrive.com/api", false},
		{"https://*.pipedrive.com/api", "https://evil.example/.pipedrive.com/api", false},
		{"https://api.example.com", "https://evil.com/api.example.com", false},
		{"https://api.example.com/api/v2", "https://api.example.com/api/v2/%2E%2E/v1", false},
		{"https://api.example.com/api/v2", "https://api.example.com/api/v2/..%2Fv1", false},
		{"https://api.example.com/api/v2", "https://api.example.com/api/v2/a%5C..%5Cb", false},
		{"https://api.example.com/api/v2", "https://api.example.com/api/v2/%zz", false},
		{"https://api.example.com/api/v2", "https://api.example.com/api/v2/v1.json", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/x", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081/x", false},
		{"http://127.0.0.1:80", "http://127.0.0.1/x", true},
		{"https://{myDomain}.my.salesforce.com", "https://{myDomain}.my.salesforce.com/x", false},
		{"https://api.example.com/a/../b", "https://api.example.com/b", false},
		{"ftp://api.example.com", "ftp://api.example.com/x", false},
	}
	for _, c := range cases {
		if got := MatchAPIBase(c.base, c.raw); got != c.want {
			t.Errorf("MatchAPIBase(%s, %s) = %v, want %v", c.base, c.raw, got, c.want)
		}
	}
	for _, c := range cases {
		b, ok := ParseAPIBase(c.base)
		if !ok {
			continue
		}
		if again, ok := ParseAPIBase(b.String()); !ok || again != b {
			t.Errorf("%s: String %q does not parse back to the same base", c.base, b.String())
		}
	}
	a := App{APIBaseURLs: []string{"https://gmail.googleapis.com", "https://www.googleapis.com/upload/gmail"}}
	if !a.APIBaseAllows("https://www.googleapis.com/upload/gmail/v1/users/me/messages/send") || a.APIBaseAllows("https://www.googleapis.com/drive/v3/files") {
		t.Error("APIBaseAllows does not follow the app's bases")
	}
}

func TestTokenBodyFormatIsChecked(t *testing.T) {
	t.Parallel()
	xml := TokenBodyFormat("xml")
	if _, err := oauthApp(t, AppPatch{TokenBodyFormat: &xml}); !strings.Contains(fieldErr(err, "tokenBodyFormat"), "form (the default) or json") {
		t.Errorf("tokenBodyFormat xml: %v", err)
	}
	js := TokenBodyJSON
	if a, err := oauthApp(t, AppPatch{TokenBodyFormat: &js}); err != nil || a.TokenBodyFormat != TokenBodyJSON {
		t.Errorf("tokenBodyFormat json: %v", err)
	}
	key := AppPatch{ID: new("k"), Kind: new(KindAPIKey), Name: new("K"), APIKey: &APIKeyPatch{Label: new("Key")}, TokenBodyFormat: &js}
	if _, err := NewApp(key); fieldErr(err, "tokenBodyFormat") == "" {
		t.Errorf("an apikey app took tokenBodyFormat: %v", err)
	}
}

// Instance gives a wildcard base's concrete base for one host, and nothing for a host it does
// not stand for.
func TestAPIBaseInstance(t *testing.T) {
	t.Parallel()
	w, _ := ParseAPIBase("https://*.wrike.com/api/v4")
	if got, ok := w.Instance("WWW.wrike.com"); !ok || got.String() != "https://www.wrike.com/api/v4" || got.Wildcard() {
		t.Errorf("Instance(www.wrike.com) = %v, %v", got, ok)
	}
	for _, host := range []string{"wrike.com", "a.b.wrike.com", "wrike.com.evil.example", ""} {
		if got, ok := w.Instance(host); ok {
			t.Errorf("Instance(%q) = %v; want none", host, got)
		}
	}
	plain, _ := ParseAPIBase("https://api.github.com")
	if _, ok := plain.Instance("api.github.com"); ok {
		t.Error("a base without a wildcard has no instances")
	}
	if (APIBase{}).Contains(&url.URL{Scheme: "https", Host: "x"}) {
		t.Error("the zero APIBase matches a URL")
	}
}

// Contains does not allocate: it runs for every request the proxy sends.
func TestAPIBaseContainsDoesNotAllocate(t *testing.T) {
	b, _ := ParseAPIBase("https://acme.zendesk.com/api/v2")
	u, _ := url.Parse("https://acme.zendesk.com:443/api/v2/tickets/42/comments?page=2")
	if n := testing.AllocsPerRun(100, func() {
		if !b.Contains(u) {
			t.Fatal("no match")
		}
	}); n != 0 {
		t.Errorf("Contains allocates %v times per call", n)
	}
}
