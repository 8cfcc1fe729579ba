package openapicheck

import (
	"net/http"
	"strings"
	"testing"
)

// TestTenantSettingsAnswersMatchTheOpenAPIDocument walks a tenant's settings through their
// routes, each answer checked against the document, and never sees the tenant's client secret.
func TestTenantSettingsAnswersMatchTheOpenAPIDocument(t *testing.T) {
	c := newContract(t)
	base := serveDemo(t)
	const secret = "acme-tenant-secret-4f8e2d"
	item := "/v1/apps/{appId}/tenants/{tenantId}"
	list := "/v1/apps/{appId}/tenants"
	app := `{"id":"tenant-crm","kind":"oauth2","name":"CRM","clientId":"c","clientSecret":"s","authorizationUrl":"https://crm.example.com/authorize","tokenUrl":"https://crm.example.com/token"}`
	if a := send(t, "POST", base+"/v1/apps", demoKey, &app); a.status != http.StatusCreated {
		t.Fatalf("create app: %d %s", a.status, a.body)
	}
	for _, step := range []struct {
		method, path, url string
		body              *string
		status            int
	}{
		{"PUT", item, "/v1/apps/tenant-crm/tenants/acme", str(`{"clientId":"acme-client","clientSecret":"` + secret + `","tokenUrl":"https://acme.crm.example.com/token","authorizationParams":{"tenant":"acme"}}`), 200},
		{"GET", item, "/v1/apps/tenant-crm/tenants/acme", nil, 200},
		{"GET", list, "/v1/apps/tenant-crm/tenants", nil, 200},
		{"PUT", item, "/v1/apps/tenant-crm/tenants/acme", str(`{"clientId":"acme-client","tokenUrl":"http://acme.crm.example.com/token"}`), 400},
		{"PUT", item, "/v1/apps/tenant-crm/tenants/acme", str(`{"clientId":"other-client"}`), 400},
		{"PUT", item, "/v1/apps/tenant-crm/tenants/acme", str(`{"clientID":"acme-client"}`), 400},
		{"PUT", item, "/v1/apps/no-such-app/tenants/acme", str(`{"clientId":"acme-client"}`), 404},
		{"GET", item, "/v1/apps/tenant-crm/tenants/globex", nil, 404},
		{"DELETE", item, "/v1/apps/tenant-crm/tenants/acme", nil, 204},
		{"DELETE", item, "/v1/apps/tenant-crm/tenants/acme", nil, 404},
		{"GET", item, "/v1/apps/tenant-crm/tenants/acme", nil, 404},
	} {
		a := send(t, step.method, base+step.url, demoKey, step.body)
		c.check(t, operation{step.method, step.path}, a)
		if a.status != step.status {
			t.Errorf("%s: %d %s, want %d", a.what, a.status, a.body, step.status)
		}
		if strings.Contains(string(a.body), secret) {
			t.Errorf("%s: the answer shows the client secret", a.what)
		}
		if step.method == "GET" && step.status == 200 && step.path == item {
			got := decode(t, a)
			if got["revision"] != float64(1) || got["hasClientSecret"] != true || got["client"] != "tenant" {
				t.Errorf("settings: %s", a.body)
			}
		}
	}
	if a := send(t, "GET", base+"/v1/apps/tenant-crm/tenants/acme", "", nil); a.status != http.StatusUnauthorized {
		t.Errorf("without the management key: %d", a.status)
	}
}
