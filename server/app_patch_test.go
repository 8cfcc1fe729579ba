package server_test

import (
	"context"
	"net/http"
	"testing"
)

// crmApp is a custom OAuth app with optional settings to remove.
const crmApp = `{"id":"crm","kind":"oauth2","name":"CRM","clientId":"c","clientSecret":"s","logo":"https://crm.example.com/logo.png",
	"authorizationUrl":"https://crm.example.com/authorize","tokenUrl":"https://crm.example.com/token","scopeSeparator":",",
	"defaultScopes":["read"],"authorizationParams":{"audience":"api","hd":"example.com"},"refresh":{"marginSeconds":120}}`

// PATCH /v1/apps/{appId} is a JSON merge patch (RFC 7396): an absent field stays, a value
// replaces, null removes the field (its default applies again), and null inside a map removes
// that key.
func TestPatchAppIsAJSONMergePatch(t *testing.T) {
	t.Parallel()
	api := setupAppAPI(t)
	api.expect(api.call("POST", "/v1/apps", crmApp), http.StatusCreated)
	r := api.call("PATCH", "/v1/apps/crm", `{"logo":null,"defaultScopes":null,"scopeSeparator":null,"authorizationParams":{"hd":null},"refresh":{"marginSeconds":null},"name":"CRM 2"}`)
	api.expect(r, http.StatusOK)
	app := r.object(t)
	params, _ := app["authorizationParams"].(map[string]any)
	refresh, _ := app["refresh"].(map[string]any)
	if app["logo"] != nil || app["defaultScopes"] != nil || app["scopeSeparator"] != " " || app["name"] != "CRM 2" ||
		len(params) != 1 || params["audience"] != "api" || refresh["marginSeconds"] == 120.0 || app["tokenUrl"] != "https://crm.example.com/token" {
		t.Errorf("after the merge patch: %s", r.body)
	}

	r = api.call("PATCH", "/v1/apps/crm", `{"authorizationParams":null,"clientSecret":null}`)
	api.expect(r, http.StatusOK)
	if app := r.object(t); app["authorizationParams"] != nil || app["hasClientSecret"] != false {
		t.Errorf("null did not remove a map or the secret: %s", r.body)
	}
	if stored, err := api.apps.Get(context.Background(), "crm"); err != nil || !stored.ClientSecret.IsZero() {
		t.Errorf("the stored secret was kept: %v", err)
	}

	for body, field := range map[string]string{`{"id":null}`: "id", `{"kind":null}`: "kind", `{"name":null}`: "name", `{"tokenUrl":null}`: "tokenUrl"} {
		r := api.call("PATCH", "/v1/apps/crm", body)
		api.expect(r, http.StatusBadRequest)
		if _, fields := r.errorFields(t); fields[field] == nil {
			t.Errorf("%s: %s", body, r.body)
		}
	}
	for body, msg := range map[string]string{
		`{"nickname":null}`:                                 `unknown field "nickname"`,
		`{"refresh":{"margin":null}}`:                       `unknown field "refresh.margin"`,
		`{"refresh":{"marginSeconds":1,"marginSeconds":2}}`: `field "refresh.marginSeconds" appears twice; send it once`,
	} {
		r := api.call("PATCH", "/v1/apps/crm", body)
		api.expect(r, http.StatusBadRequest)
		if e, _ := r.object(t)["error"].(map[string]any); e["code"] != "invalid_body" || e["message"] != msg {
			t.Errorf("%s: %s", body, r.body)
		}
	}
}
