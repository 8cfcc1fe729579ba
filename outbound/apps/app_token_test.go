package apps

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/outbound"
)

// refreshUrl, refreshParams and tokenBodyFormat are validated like their token-exchange
// siblings, set by merge patches and removed by null.
func TestRefreshAndTokenFormatSettings(t *testing.T) {
	a := validOAuth2(t)
	got, err := AppPatch{
		RefreshURL:      ptr("https://login.acme.example/oauth/token?refresh"),
		RefreshParams:   map[string]*string{"type": ptr("refresh")},
		TokenBodyFormat: ptr(TokenBodyJSON),
	}.Apply(a)
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshURL == "" || got.RefreshParams["type"] != "refresh" || got.TokenBodyFormat != TokenBodyJSON {
		t.Errorf("patched app %+v", got)
	}
	b, _ := json.Marshal(got)
	var back App
	if err := json.Unmarshal(b, &back); err != nil || back.RefreshURL != got.RefreshURL || back.RefreshParams["type"] != "refresh" || back.TokenBodyFormat != TokenBodyJSON {
		t.Errorf("JSON round trip lost the settings: %s", b)
	}
	y, _ := yaml.Marshal(got)
	var backY App
	if err := yaml.Unmarshal(y, &backY); err != nil || backY.RefreshURL != got.RefreshURL || backY.RefreshParams["type"] != "refresh" {
		t.Errorf("YAML round trip lost the settings: %s", y)
	}
	cleared, err := AppPatch{Remove: []string{"refreshUrl", "refreshParams", "tokenBodyFormat"}}.Apply(got)
	if err != nil || cleared.RefreshURL != "" || cleared.RefreshParams != nil || cleared.TokenBodyFormat != "" {
		t.Errorf("null did not remove the settings: %+v, %v", cleared, err)
	}

	_, err = AppPatch{
		RefreshURL:      ptr("http://login.acme.example/refresh"),
		RefreshParams:   map[string]*string{"refresh_token": ptr("x"), "grant_type": ptr("y")},
		TokenBodyFormat: ptr(TokenBodyFormat("xml")),
	}.Apply(a)
	probs := problemsOf(t, err)
	for _, f := range []string{"refreshUrl", "refreshParams.refresh_token", "refreshParams.grant_type", "tokenBodyFormat"} {
		if probs[f] == "" {
			t.Errorf("no problem for %s; got %v", f, probs)
		}
	}

	k := validAPIKey(t)
	_, err = AppPatch{RefreshURL: ptr("https://x.example/r"), RefreshParams: map[string]*string{"a": ptr("b")}, TokenBodyFormat: ptr(TokenBodyJSON)}.Apply(k)
	probs = problemsOf(t, err)
	for _, f := range []string{"refreshUrl", "refreshParams", "tokenBodyFormat"} {
		if probs[f] == "" {
			t.Errorf("apikey app: no problem for %s; got %v", f, probs)
		}
	}
}

// The templates whose providers refresh elsewhere, with other parameters or with JSON bodies
// carry the settings, filled with their variables.
func TestCatalogTemplatesUseTheTokenSettings(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]func(App) bool{
		"figma":        func(a App) bool { return a.RefreshURL == "https://api.figma.com/v1/oauth/refresh" },
		"dropbox-sign": func(a App) bool { return a.RefreshURL == "https://app.hellosign.com/oauth/token?refresh" },
		"adobe-acrobat-sign": func(a App) bool {
			return a.RefreshURL == "https://api.eu1.adobesign.com/oauth/v2/refresh"
		},
		"basecamp": func(a App) bool { return a.TokenParams["type"] == "web_server" && a.RefreshParams["type"] == "refresh" },
		"notion":   func(a App) bool { return a.TokenBodyFormat == TokenBodyJSON },
		"square":   func(a App) bool { return a.TokenBodyFormat == TokenBodyJSON },
	} {
		tpl, ok := cat.Get(id)
		if !ok {
			t.Fatalf("no template %s", id)
		}
		vars := map[string]string{}
		if id == "adobe-acrobat-sign" {
			vars["shard"] = "eu1"
		}
		a, err := tpl.NewApp(TemplateInput{ClientID: "c", ClientSecret: outbound.NewSecret("s"), Variables: vars})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if !want(a) {
			t.Errorf("%s: app %+v lacks its token settings", id, a)
		}
	}
}

// A header prefix goes with keyIn header only, a fixed basic password with a key that is the
// basic user name only.
func TestKeyPrefixAndBasicPasswordValidation(t *testing.T) {
	k := validAPIKey(t)
	ok, err := AppPatch{APIKey: &APIKeyPatch{Probe: &ProbePatch{KeyIn: ptr(KeyInHeader), HeaderName: ptr("Authorization"), Prefix: ptr("Klaviyo-API-Key ")}}}.Apply(k)
	if err != nil || ok.APIKey.Probe.Prefix != "Klaviyo-API-Key " {
		t.Fatalf("prefix refused: %v", err)
	}
	if _, err := (AppPatch{APIKey: &APIKeyPatch{Probe: &ProbePatch{KeyIn: ptr(KeyInBasic), BasicPassword: ptr("X")}}}).Apply(k); err != nil {
		t.Fatalf("basic password refused: %v", err)
	}
	for _, tt := range []struct {
		probe ProbePatch
		field string
	}{
		{ProbePatch{Prefix: ptr("Token ")}, "apiKey.probe.prefix"},
		{ProbePatch{KeyIn: ptr(KeyInHeader), HeaderName: ptr("X-Key"), Prefix: ptr("a\nb")}, "apiKey.probe.prefix"},
		{ProbePatch{BasicPassword: ptr("X")}, "apiKey.probe.basicPassword"},
		{ProbePatch{KeyIn: ptr(KeyInBasic), BasicUsername: ptr("{account}"), BasicPassword: ptr("X")}, "apiKey.probe.basicPassword"},
	} {
		_, err := AppPatch{APIKey: &APIKeyPatch{Probe: &tt.probe}}.Apply(k)
		if probs := problemsOf(t, err); probs[tt.field] == "" {
			t.Errorf("%+v: no problem for %s; got %v", tt.probe, tt.field, probs)
		}
	}
}

// Dynamics 365's environment scope is filled from the template's variable, which is checked as
// it is for URLs; a scope that keeps a placeholder is refused.
func TestScopesTakeTemplateVariables(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	tpl, ok := cat.Get("microsoft-dynamics-365")
	if !ok {
		t.Fatal("no microsoft-dynamics-365 template")
	}
	in := TemplateInput{ClientID: "c", ClientSecret: outbound.NewSecret("s"), Variables: map[string]string{"environment": "contoso.crm4.dynamics.com"}}
	a, err := tpl.NewApp(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = "https://contoso.crm4.dynamics.com/user_impersonation"
	if !slices.Contains(a.DefaultScopes, want) || !slices.ContainsFunc(a.Scopes, func(s Scope) bool { return s.Name == want }) {
		t.Errorf("scopes %v / default %v lack %s", a.Scopes, a.DefaultScopes, want)
	}
	for _, bad := range []string{"evil.example.com/x", "contoso.crm.dynamics.com evil", "evil.example.com"} {
		in.Variables["environment"] = bad
		_, err := tpl.NewApp(in)
		if probs := problemsOf(t, err); probs["variables.environment"] == "" {
			t.Errorf("environment %q: no problem for the variable; got %v", bad, probs)
		}
	}

	// A template's scope may only use declared variables.
	bad := tpl.clone()
	bad.Scopes = append(bad.Scopes, Scope{Name: "https://{nowhere}/x"})
	if probs := problemsOf(t, bad.Validate()); probs[fmt.Sprintf("scopes[%d].name", len(bad.Scopes)-1)] == "" {
		t.Errorf("an undeclared scope variable passed: %v", probs)
	}
	// An app made without the template cannot keep a placeholder in a scope.
	_, err = AppPatch{Scopes: &[]Scope{{Name: "read"}, {Name: "https://{environment}/user_impersonation"}}}.Apply(validOAuth2(t))
	if probs := problemsOf(t, err); probs["scopes[1].name"] == "" {
		t.Errorf("an unfilled scope placeholder passed: %v", probs)
	}
}

// A token response's API base may be a URL under an API base or a bare host, which takes the
// matching base's scheme and path prefix (Wrike's host).
func TestConnectionAPIBase(t *testing.T) {
	a := validOAuth2(t)
	a.APIBaseURLFrom = "host"
	a.APIBaseURLs = []string{"https://*.wrike.com/api/v4", "https://*.my.salesforce.com"}
	for value, want := range map[string]string{
		"www.wrike.com":                      "https://www.wrike.com/api/v4",
		"app-eu.wrike.com":                   "https://app-eu.wrike.com/api/v4",
		"WWW.Wrike.com/":                     "https://www.wrike.com/api/v4",
		"https://acme.my.salesforce.com/":    "https://acme.my.salesforce.com",
		"https://www.wrike.com/api/v4":       "https://www.wrike.com/api/v4",
		"evil.example.com":                   "",
		"a.b.wrike.com":                      "",
		"wrike.com":                          "",
		"www.wrike.com:8443":                 "",
		"https://www.wrike.com/other":        "",
		"https://evil.example.com":           "",
		"http://acme.my.salesforce.com":      "",
		"https://u:p@acme.my.salesforce.com": "",
		"www.wrike.com/api/v4?x=1":           "",
		"":                                   "",
	} {
		got, err := a.ConnectionAPIBase(value)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ConnectionAPIBase(%q) = %q, %v; want %q", value, got, err, want)
		}
		if err != nil && value != "" && strings.Contains(err.Error(), value) {
			t.Errorf("the error repeats the value: %v", err)
		}
	}
}

// The apps file sets the token and key-placement settings like any other field.
func TestAppsFileTakesTheProviderSettings(t *testing.T) {
	src := `apps:
  - id: crm
    kind: oauth2
    name: CRM
    clientId: c
    clientSecretEnv: CRM_SECRET
    authorizationUrl: https://crm.example.com/oauth/authorize
    tokenUrl: https://crm.example.com/oauth/token
    refreshUrl: https://crm.example.com/oauth/refresh
    refreshParams: {type: refresh}
    tokenBodyFormat: json
  - id: desk
    kind: apikey
    name: Desk
    apiKey:
      label: Desk key
      baseUrl: https://desk.example.com
      probe: {path: /me, keyIn: basic, basicPassword: X}
`
	specs, err := ParseAppsFile("apps.yaml", []byte(src), testEnv(map[string]string{"CRM_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	crm, err := NewApp(specs[0].Patch)
	if err != nil || crm.RefreshURL != "https://crm.example.com/oauth/refresh" || crm.RefreshParams["type"] != "refresh" || crm.TokenBodyFormat != TokenBodyJSON {
		t.Errorf("crm from the apps file: %+v, %v", crm, err)
	}
	desk, err := NewApp(specs[1].Patch)
	if err != nil || desk.APIKey.Probe.BasicPassword != "X" {
		t.Errorf("desk from the apps file: %+v, %v", desk, err)
	}
}

// PlaceKey refuses an unusable key or user name without repeating either.
func TestPlaceKeyErrorsCarryNoSecret(t *testing.T) {
	k := validAPIKey(t)
	k.APIKey.Probe.KeyIn, k.APIKey.Probe.BasicUsername = KeyInBasic, "{account}"
	req, _ := http.NewRequest(http.MethodGet, "https://api.acme.example/x", nil)
	for _, tt := range []struct {
		key    string
		fields map[string]string
	}{
		{"sk-secret\nvalue", map[string]string{"account": "acct"}},
		{"sk-secret-value", map[string]string{"account": "acct:secret-user"}},
	} {
		err := k.APIKey.PlaceKey(req, tt.key, tt.fields)
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("PlaceKey error %v: want an error naming no key or value", err)
		}
	}
}
