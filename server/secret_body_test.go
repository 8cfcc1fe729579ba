package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// A secret sent as another JSON type is refused with a message that names its field, and never
// the value sent.
func TestASecretOfTheWrongTypeIsNamedInTheError(t *testing.T) {
	t.Parallel()
	keys := setupKeyAPI(t)
	for _, body := range []string{`{"appId":"openai","userId":"ann","apiKey":12345}`, `{"appId":"openai","userId":"ann","apiKey":{"k":"v"}}`} {
		r := keys.call("POST", "/v1/apikeys", body)
		e, _ := r.object(t)["error"].(map[string]any)
		if r.status != http.StatusBadRequest || e["code"] != "invalid_body" || e["message"] != `field "apiKey" must be a string` {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
		if strings.Contains(r.body, "12345") || strings.Contains(r.body, `"v"`) {
			t.Errorf("the error quotes the value: %s", r.body)
		}
	}

	apps := setupAppAPI(t)
	apps.expect(apps.call("POST", "/v1/apps", createGoogle), http.StatusCreated)
	r := apps.call("PATCH", "/v1/apps/google-contacts", `{"clientSecret":123}`)
	apps.expect(r, http.StatusBadRequest)
	if e, _ := r.object(t)["error"].(map[string]any); e["code"] != "invalid_body" || e["message"] != `field "clientSecret" must be a string` {
		t.Errorf("PATCH with a number for clientSecret: %s", r.body)
	}
}

// A client secret with a control character (a paste gone wrong) is refused, as an API key is.
func TestAClientSecretWithAControlCharacterIsRefused(t *testing.T) {
	t.Parallel()
	apps := setupAppAPI(t)
	apps.expect(apps.call("POST", "/v1/apps", createGoogle), http.StatusCreated)
	for _, secret := range []string{`new-secret\n`, `new\u0000secret`, `new-secret\u007f`} {
		r := apps.call("PATCH", "/v1/apps/google-contacts", `{"clientSecret":"`+secret+`"}`)
		apps.expect(r, http.StatusBadRequest)
		if _, fields := r.errorFields(t); fields["clientSecret"] != "contains control characters; paste it again" {
			t.Errorf("clientSecret %s: %s", secret, r.body)
		}
	}
	r := apps.call("POST", "/v1/apps", `{"id":"crm","kind":"oauth2","name":"CRM","clientId":"c","clientSecret":"s\t",
		"authorizationUrl":"https://crm.example.com/authorize","tokenUrl":"https://crm.example.com/token"}`)
	apps.expect(r, http.StatusBadRequest)
	if _, fields := r.errorFields(t); fields["clientSecret"] == nil {
		t.Errorf("create with a tab in clientSecret: %s", r.body)
	}
}
