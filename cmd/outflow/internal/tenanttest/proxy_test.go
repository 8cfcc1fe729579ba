package tenanttest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/proxy"
)

// A tenant's own instance: the proxy sends a tenant connection's token to the tenant's API bases,
// and never to the app's; the app's own connections never go to the tenant's instance.
func TestTheProxySendsATenantsTokenOnlyToItsOwnInstance(t *testing.T) {
	e := setup(t)
	instance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "bearer="+boolText(strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")))
	}))
	t.Cleanup(instance.Close)
	sandboxAPI := strings.TrimSuffix(e.p.MeURL(), "/me")
	if _, err := e.apps.Update(e.ctx(), appID, apps.AppPatch{APIBaseURLs: &[]string{sandboxAPI}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.apps.PutTenantSettings(e.ctx(), appID, "acme", apps.TenantSettingsInput{
		TenantOverrides: apps.TenantOverrides{ClientID: "acme-client", APIBaseURLs: []string{instance.URL + "/api"}},
		ClientSecret:    ptr(secretOf("acme-client")),
	}); err != nil {
		t.Fatal(err)
	}
	e.consent(t, ann)
	e.consent(t, carl)
	px, err := proxy.New(proxy.Options{Apps: e.apps, Vault: e.v})
	if err != nil {
		t.Fatal(err)
	}
	get := func(owner proxy.Target, u string) (string, error) {
		owner.AppID = appID
		resp, err := px.Client(owner).Get(u)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), nil
	}
	annT := proxy.Target{UserID: ann.UserID, TenantID: ann.TenantID}
	carlT := proxy.Target{UserID: carl.UserID}
	if body, err := get(annT, instance.URL+"/api/tickets"); err != nil || body != "bearer=yes" {
		t.Errorf("ann to acme's instance: %q, %v", body, err)
	}
	var hna *proxy.HostNotAllowedError
	if _, err := get(annT, sandboxAPI+"/me"); !errors.As(err, &hna) {
		t.Errorf("ann's token went to the app's own API: %v", err)
	}
	if body, err := get(carlT, sandboxAPI+"/me"); err != nil || !strings.Contains(body, `"clientId":"outflow-app"`) {
		t.Errorf("carl to the app's API: %q, %v", body, err)
	}
	if _, err := get(carlT, instance.URL+"/api/tickets"); !errors.As(err, &hna) {
		t.Errorf("carl's token went to acme's instance: %v", err)
	}
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
