package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

func TestTheAppPageListsTenantsOwnSettingsWithoutSecrets(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	b.session()
	ctx := context.Background()
	const secret = "acme-zendesk-secret-9f3e1a"
	_, err := e.apps.CreateFromTemplate(ctx, "zendesk", apps.TemplateInput{ClientID: "vendor", ClientSecret: outbound.NewSecret("s"),
		Variables: map[string]string{"subdomain": "vendor"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := b.get("/apps/zendesk"); strings.Contains(p.body, "Tenants&#39; own settings") || strings.Contains(p.body, "Tenants' own settings") {
		t.Error("the page shows a tenants section though no tenant has settings")
	}
	_, err = e.apps.PutTenantSettings(ctx, "zendesk", "acme", apps.TenantSettingsInput{
		TenantOverrides: apps.TenantOverrides{ClientID: "acme-client", Variables: map[string]string{"subdomain": "acme"}},
		ClientSecret:    ptrTo(outbound.NewSecret(secret)),
	})
	if err != nil {
		t.Fatal(err)
	}
	p := b.get("/apps/zendesk")
	for _, want := range []string{"<code>acme</code>", "<code>acme-client</code>", "(secret set)", "variables"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the app page lacks %q", want)
		}
	}
	if strings.Contains(p.body, secret) {
		t.Error("the app page shows the tenant's client secret")
	}
}

func ptrTo[T any](v T) *T { return &v }
