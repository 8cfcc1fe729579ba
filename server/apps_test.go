package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
)

const testManagementKey = "mgmt-key-for-tests-0123456789abcdef"

// appAPI is a server with an app registry, and a client for it.
type appAPI struct {
	client
	apps  *apps.Apps
	store *store.Store
}

func setupAppAPI(t *testing.T) *appAPI {
	t.Helper()
	s, registry := setup(t, apps.Options{PublicURL: "https://auth.example.com", Logger: slog.New(slog.DiscardHandler)})
	url := serve(t, server.Options{Store: s, Apps: registry, ManagementKeys: []string{testManagementKey},
		Logger: slog.New(slog.DiscardHandler)})
	return &appAPI{client: client{t: t, url: url, key: testManagementKey}, apps: registry, store: s}
}

func (a *appAPI) expect(r response, status int) {
	a.t.Helper()
	if r.status != status {
		a.t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

const googleSecret = "GOCSPX-do-not-leak-0123456789"

const createGoogle = `{"templateId":"google-contacts","clientId":"1234.apps.googleusercontent.com","clientSecret":"` + googleSecret + `"}`

func TestCreateAppFromTemplate(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	r := api.call("POST", "/v1/apps", createGoogle)
	api.expect(r, http.StatusCreated)
	if r.header.Get("Location") != "/v1/apps/google-contacts" {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}
	if strings.Contains(r.body, googleSecret) || strings.Contains(r.body, `"clientSecret"`) {
		t.Fatalf("the response shows the secret: %s", r.body)
	}
	var v struct {
		ID               string       `json:"id"`
		TemplateID       string       `json:"templateId"`
		AuthorizationURL string       `json:"authorizationUrl"`
		TokenURL         string       `json:"tokenUrl"`
		Scopes           []apps.Scope `json:"scopes"`
		HasClientSecret  bool         `json:"hasClientSecret"`
		CallbackURL      string       `json:"callbackUrl"`
		PKCE             bool         `json:"pkce"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatal(err)
	}
	want := []apps.Scope{
		{Name: "https://www.googleapis.com/auth/contacts", Description: "See, edit, download, and permanently delete your contacts"},
		{Name: "https://www.googleapis.com/auth/contacts.readonly", Description: "See and download your contacts"},
	}
	if v.ID != "google-contacts" || v.TemplateID != "google-contacts" || !v.HasClientSecret || !v.PKCE ||
		v.AuthorizationURL != "https://accounts.google.com/o/oauth2/v2/auth" || v.TokenURL != "https://oauth2.googleapis.com/token" ||
		v.CallbackURL != "https://auth.example.com/v1/oauth/callback/google-contacts" || len(v.Scopes) != 2 || v.Scopes[0] != want[0] || v.Scopes[1] != want[1] {
		t.Errorf("created app = %+v", v)
	}
	stored, err := api.apps.Get(context.Background(), "google-contacts")
	if err != nil || stored.ClientSecret.Reveal() != googleSecret {
		t.Errorf("stored secret differs: %v", err)
	}

	for _, path := range []string{"/v1/apps/google-contacts", "/v1/apps"} {
		r := api.call("GET", path, "")
		api.expect(r, http.StatusOK)
		if strings.Contains(r.body, googleSecret) || !strings.Contains(r.body, `"hasClientSecret":true`) {
			t.Errorf("GET %s = %s", path, r.body)
		}
	}
}

func TestCreateAppWithIDVariablesAndOverrides(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	r := api.call("POST", "/v1/apps", `{"templateId":"zendesk","id":"zendesk-acme","clientId":"zd","clientSecret":"s",
		"variables":{"subdomain":"acme"},"overrides":{"name":"Acme Zendesk","defaultScopes":["tickets:read"]}}`)
	api.expect(r, http.StatusCreated)
	got := r.object(t)
	if got["id"] != "zendesk-acme" || got["name"] != "Acme Zendesk" || got["authorizationUrl"] != "https://acme.zendesk.com/oauth/authorizations/new" {
		t.Errorf("created = %s", r.body)
	}

	r = api.call("POST", "/v1/apps", `{"templateId":"github","clientId":"x","name":"GitHub Eng","pkce":false}`)
	api.expect(r, http.StatusBadRequest)
	if _, fields := r.errorFields(t); fields["name"] == nil || fields["pkce"] == nil {
		t.Errorf("template body with settings at the top: %s", r.body)
	}
	r = api.call("POST", "/v1/apps", `{"id":"crm","kind":"oauth2","variables":{"a":"b"}}`)
	api.expect(r, http.StatusBadRequest)
	if _, fields := r.errorFields(t); fields["variables"] == nil {
		t.Errorf("custom body with variables: %s", r.body)
	}
}

func TestCreateCustomAppFieldErrors(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	r := api.call("POST", "/v1/apps", `{"id":"crm","kind":"oauth2","name":"CRM","clientId":"c","clientSecret":"s",
		"authorizationUrl":"http://crm.example.com/authorize","tokenUrl":"not a url","prompt":["sometimes"]}`)
	api.expect(r, http.StatusBadRequest)
	code, fields := r.errorFields(t)
	if code != "invalid_app" || len(fields) != 3 || fields["authorizationUrl"] == nil || fields["tokenUrl"] == nil || fields["prompt[0]"] == nil {
		t.Errorf("error = %s", r.body)
	}
	if msg, _ := fields["authorizationUrl"].(string); !strings.Contains(msg, "https") {
		t.Errorf("authorizationUrl message %q does not say how to fix it", msg)
	}

	r = api.call("POST", "/v1/apps", `{"id":"crm","kind":"oauth2","scope":"x"}`)
	api.expect(r, http.StatusBadRequest)
	if code, _ := r.errorFields(t); code != "invalid_body" || !strings.Contains(r.body, `unknown field \"scope\"`) {
		t.Errorf("unknown field: %s", r.body)
	}

	r = api.call("POST", "/v1/apps", `{"id":"crm","kind":"oauth2","name":"CRM","clientId":"c","clientSecret":"s",
		"authorizationUrl":"https://crm.example.com/authorize","tokenUrl":"https://crm.example.com/token"}`)
	api.expect(r, http.StatusCreated)
	r = api.call("POST", "/v1/apps", `{"id":"crm","kind":"apikey","name":"CRM","apiKey":{"label":"key"}}`)
	api.expect(r, http.StatusConflict)
	if code, _ := r.errorFields(t); code != "app_exists" {
		t.Errorf("duplicate: %s", r.body)
	}
}

func TestPatchApp(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	api.expect(api.call("POST", "/v1/apps", createGoogle), http.StatusCreated)

	r := api.call("PATCH", "/v1/apps/google-contacts", `{"id":"contacts"}`)
	api.expect(r, http.StatusBadRequest)
	if _, fields := r.errorFields(t); fields["id"] != "cannot be changed after creation; create a new app instead" {
		t.Errorf("id change: %s", r.body)
	}

	r = api.call("PATCH", "/v1/apps/google-contacts", `{"name":"Contacts","defaultScopes":["https://www.googleapis.com/auth/contacts.readonly"]}`)
	api.expect(r, http.StatusOK)
	if got := r.object(t); got["name"] != "Contacts" || got["hasClientSecret"] != true || strings.Contains(r.body, googleSecret) {
		t.Errorf("patched = %s", r.body)
	}
	stored, err := api.apps.Get(context.Background(), "google-contacts")
	if err != nil || stored.ClientSecret.Reveal() != googleSecret || stored.Name != "Contacts" {
		t.Errorf("after a PATCH without a secret: name %q, secret kept %v, %v", stored.Name, stored.ClientSecret.Reveal() == googleSecret, err)
	}

	r = api.call("PATCH", "/v1/apps/google-contacts", `{"clientSecret":""}`)
	api.expect(r, http.StatusBadRequest)
	if _, fields := r.errorFields(t); fields["clientSecret"] == nil {
		t.Errorf("empty secret: %s", r.body)
	}
	r = api.call("PATCH", "/v1/apps/google-contacts", `{"clientSecret":"rotated-secret"}`)
	api.expect(r, http.StatusOK)
	if stored, _ := api.apps.Get(context.Background(), "google-contacts"); stored.ClientSecret.Reveal() != "rotated-secret" {
		t.Error("PATCH did not replace the secret")
	}
}

func TestDeleteApp(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	api.expect(api.call("POST", "/v1/apps", createGoogle), http.StatusCreated)
	var hooked []string
	api.apps.OnDelete(func(_ context.Context, id string) error {
		hooked = append(hooked, id)
		return nil
	})
	r := api.call("DELETE", "/v1/apps/google-contacts", "")
	api.expect(r, http.StatusNoContent)
	if r.body != "" || len(hooked) != 1 {
		t.Errorf("delete body %q, hooks %v", r.body, hooked)
	}
	api.expect(api.call("GET", "/v1/apps/google-contacts", ""), http.StatusNotFound)
	r = api.call("GET", "/v1/apps", "")
	api.expect(r, http.StatusOK)
	if strings.TrimSpace(r.body) != `{"apps":[]}` {
		t.Errorf("list after delete = %s", r.body)
	}
}

func TestAppRoutesNotFound(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/apps/nope", ""},
		{"PATCH", "/v1/apps/nope", `{"name":"x"}`},
		{"DELETE", "/v1/apps/nope", ""},
		{"GET", "/v1/templates/nope", ""},
		{"POST", "/v1/apps", `{"templateId":"nope","clientId":"x"}`},
	} {
		r := api.call(c.method, c.path, c.body)
		if code, _ := r.errorFields(t); r.status != http.StatusNotFound || code != "not_found" {
			t.Errorf("%s %s = %d %s, want 404 not_found", c.method, c.path, r.status, r.body)
		}
	}
}

func TestAppRoutesNeedTheManagementKey(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	api.expect(api.call("POST", "/v1/apps", createGoogle), http.StatusCreated)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/templates", ""},
		{"GET", "/v1/templates/google-contacts", ""},
		{"POST", "/v1/apps", `{"templateId":"github","clientId":"x","clientSecret":"y"}`},
		{"GET", "/v1/apps", ""},
		{"GET", "/v1/apps/google-contacts", ""},
		{"PATCH", "/v1/apps/google-contacts", `{"name":"x"}`},
		{"DELETE", "/v1/apps/google-contacts", ""},
	} {
		for _, key := range []string{"", "wrong-key"} {
			r := api.callWithKey(c.method, c.path, c.body, key)
			if r.status != http.StatusUnauthorized || strings.Contains(r.body, googleSecret) {
				t.Errorf("%s %s with key %q = %d", c.method, c.path, key, r.status)
			}
		}
	}
	if _, err := api.apps.Get(context.Background(), "google-contacts"); err != nil {
		t.Errorf("an unauthorized request changed the app: %v", err)
	}
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	r := api.call("GET", "/v1/templates", "")
	api.expect(r, http.StatusOK)
	var list struct {
		Templates []struct {
			ID, Kind, Name, DocsURL, ScopesDocsURL string
			Scopes                                 []apps.Scope
			Variables                              []apps.Variable
			Quirks                                 []string
		} `json:"templates"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, tm := range list.Templates {
		byID[tm.ID] = i
	}
	g := list.Templates[byID["google-contacts"]]
	if g.Kind != "oauth2" || g.Name != "Google Contacts" || g.DocsURL == "" || g.ScopesDocsURL == "" || len(g.Quirks) == 0 ||
		len(g.Scopes) != 2 || g.Scopes[1].Description != "See and download your contacts" {
		t.Errorf("google-contacts summary = %+v", g)
	}
	if z := list.Templates[byID["zendesk"]]; len(z.Variables) != 1 || z.Variables[0].Name != "subdomain" {
		t.Errorf("zendesk summary = %+v", z)
	}
	if o := list.Templates[byID["openai"]]; o.Kind != "apikey" {
		t.Errorf("openai summary = %+v", o)
	}

	r = api.call("GET", "/v1/templates/zendesk", "")
	api.expect(r, http.StatusOK)
	full := r.object(t)
	if full["id"] != "zendesk" || full["authorizationUrl"] != "https://{subdomain}.zendesk.com/oauth/authorizations/new" || full["variables"] == nil {
		t.Errorf("full template = %s", r.body)
	}
}

func TestAppRoutesWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	if err := api.store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/apps", createGoogle},
		{"GET", "/v1/apps", ""},
		{"GET", "/v1/apps/google-contacts", ""},
	} {
		r := api.call(c.method, c.path, c.body)
		if code, _ := r.errorFields(t); r.status != http.StatusServiceUnavailable || code != "unavailable" {
			t.Errorf("%s %s with Redis down = %d %s, want 503", c.method, c.path, r.status, r.body)
		}
	}
}
