package apps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

const tenantsAppsFile = `apps:
  - template: zendesk
    clientId: vendor-zd
    clientSecretEnv: ZD_SECRET
    variables: {subdomain: vendor}
    tenants:
      acme:
        clientId: acme-zd
        clientSecretEnv: ACME_ZD_SECRET
        variables: {subdomain: acme}
      globex:
        variables: {subdomain: globex}
`

func tenantsEnv(name string) string {
	return map[string]string{"ZD_SECRET": "vendor-secret", "ACME_ZD_SECRET": tenantSecret}[name]
}

func TestApplyPutsTenantSettings(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	plan, err := f.apps.Plan(ctx, parseApps(t, tenantsAppsFile, tenantsEnv))
	if err != nil || !slices.Equal(plan.Tenants, []string{"zendesk/acme", "zendesk/globex"}) {
		t.Fatalf("plan: %+v, %v", plan, err)
	}
	if _, err := f.apps.TenantSettings(ctx, "zendesk", "acme"); !errors.Is(err, ErrAppNotFound) {
		t.Fatalf("Plan wrote: %v", err)
	}
	rep, err := f.apps.Apply(ctx, parseApps(t, tenantsAppsFile, tenantsEnv))
	if err != nil || !slices.Equal(rep.Tenants, []string{"zendesk/acme", "zendesk/globex"}) {
		t.Fatalf("apply: %+v, %v", rep, err)
	}
	acme, err := f.apps.TenantSettings(ctx, "zendesk", "acme")
	if err != nil || acme.ClientID != "acme-zd" || acme.ClientSecret.Reveal() != tenantSecret || acme.Variables["subdomain"] != "acme" {
		t.Fatalf("acme: %+v, %v", acme.TenantOverrides, err)
	}
	app, _ := f.apps.Get(ctx, "zendesk")
	globex, tc, err := f.apps.ForTenant(ctx, app, "globex")
	if err != nil || globex.TokenURL != "https://globex.zendesk.com/oauth/tokens" || globex.ClientID != "vendor-zd" || tc.Client != ClientApp || tc.Revision != 1 {
		t.Errorf("globex: %s %s %+v %v", globex.TokenURL, globex.ClientID, tc, err)
	}
	// Applying again writes nothing; without the secret variable the stored secret stays.
	rep, err = f.apps.Apply(ctx, parseApps(t, strings.Replace(tenantsAppsFile, "        clientSecretEnv: ACME_ZD_SECRET\n", "", 1), tenantsEnv))
	if err != nil || len(rep.Tenants) != 0 {
		t.Errorf("second apply: %+v, %v", rep, err)
	}
	if s, _ := f.apps.TenantSettings(ctx, "zendesk", "acme"); s.Revision != 1 || s.ClientSecret.Reveal() != tenantSecret {
		t.Errorf("the second apply changed acme: revision %d", s.Revision)
	}
}

func TestAppsFileTenantProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, src, want string }{
		{"literal secret", strings.Replace(tenantsAppsFile, "clientSecretEnv: ACME_ZD_SECRET", "clientSecret: x", 1),
			"apps.yaml:9:9: a literal clientSecret is not allowed"},
		{"unset variable", strings.Replace(tenantsAppsFile, "ACME_ZD_SECRET", "NOPE", 1),
			"environment variable NOPE is empty or not set"},
		{"unknown key", strings.Replace(tenantsAppsFile, "variables: {subdomain: globex}", "tokenURL: x", 1),
			`apps.yaml:12:9: unknown field "tokenURL"`},
		{"not a mapping", strings.Replace(tenantsAppsFile, "      globex:\n        variables: {subdomain: globex}\n", "      globex: yes\n", 1),
			`tenant "globex" of app "zendesk" must be a mapping`},
	} {
		_, err := ParseAppsFile("apps.yaml", []byte(tc.src), tenantsEnv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), tenantSecret) {
			t.Errorf("%s: the error shows the secret", tc.name)
		}
	}
	f := setupApps(t, nil)
	bad := parseApps(t, strings.Replace(tenantsAppsFile, "variables: {subdomain: globex}", "tokenUrl: http://globex.example.com/token", 1), tenantsEnv)
	_, err := f.apps.Apply(context.Background(), bad)
	var afe *AppsFileError
	if !errors.As(err, &afe) || !strings.Contains(err.Error(), `apps.yaml:11:7: app "zendesk", tenant "globex": tokenUrl:`) {
		t.Errorf("a bad tenant URL: %v", err)
	}
	if list, _ := f.apps.List(context.Background()); len(list) != 0 {
		t.Errorf("a file with a bad tenant wrote apps: %v", list)
	}
}
