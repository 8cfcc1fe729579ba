package apps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func parseApps(t *testing.T, src string, env func(string) string) []AppSpec {
	t.Helper()
	specs, err := ParseAppsFile("apps.yaml", []byte(src), env)
	if err != nil {
		t.Fatal(err)
	}
	return specs
}

func TestApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	specs := parseApps(t, exampleAppsFile, fullEnv)

	plan, err := f.apps.Plan(ctx, specs)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := f.apps.List(ctx); len(list) != 0 {
		t.Fatalf("Plan wrote apps: %v", list)
	}
	rep, err := f.apps.Apply(ctx, specs)
	if err != nil {
		t.Fatal(err)
	}
	want := ApplyReport{Created: []string{"google-contacts", "internal-crm", "zendesk", "openai"}, Updated: []string{}, Unchanged: []string{}}
	if !sameReport(rep, want) || !sameReport(plan, want) {
		t.Errorf("first apply = %+v, plan = %+v, want %+v", rep, plan, want)
	}
	g, _ := f.apps.Get(ctx, "google-contacts")
	if g.ClientSecret.Reveal() != "google-secret-value" || !slices.Equal(g.DefaultScopes, []string{"https://www.googleapis.com/auth/contacts.readonly"}) {
		t.Errorf("google-contacts = %+v", g)
	}
	z, _ := f.apps.Get(ctx, "zendesk")
	if z.AuthorizationURL != "https://acme.zendesk.com/oauth/authorizations/new" {
		t.Errorf("zendesk authorizationUrl = %s", z.AuthorizationURL)
	}

	f.clock.Advance(time.Hour)
	rep, err = f.apps.Apply(ctx, parseApps(t, exampleAppsFile, fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	if want := (ApplyReport{Created: []string{}, Updated: []string{}, Unchanged: want.Created}); !sameReport(rep, want) {
		t.Errorf("second apply = %+v, want all unchanged", rep)
	}
	if g2, _ := f.apps.Get(ctx, "google-contacts"); !g2.UpdatedAt.Equal(g.UpdatedAt) {
		t.Error("an unchanged app was rewritten")
	}
}

func sameReport(a, b ApplyReport) bool {
	return slices.Equal(a.Created, b.Created) && slices.Equal(a.Updated, b.Updated) && slices.Equal(a.Unchanged, b.Unchanged)
}

// The file describes the whole app: a removed override returns to the template value. The
// secret is the exception: a spec without one keeps the stored secret.
func TestApplyIsDeclarativeButKeepsTheSecret(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	first := "apps:\n  - template: google-contacts\n    clientId: c1\n    clientSecretEnv: GOOGLE_CLIENT_SECRET\n" +
		"    overrides: {name: Contacts, defaultScopes: [https://www.googleapis.com/auth/contacts.readonly]}\n"
	if _, err := f.apps.Apply(ctx, parseApps(t, first, fullEnv)); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	second := "apps:\n  - template: google-contacts\n    clientId: c2\n"
	rep, err := f.apps.Apply(ctx, parseApps(t, second, testEnv(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Updated, []string{"google-contacts"}) {
		t.Errorf("report = %+v", rep)
	}
	g, _ := f.apps.Get(ctx, "google-contacts")
	if g.Name != "Google Contacts" || !slices.Equal(g.DefaultScopes, []string{"https://www.googleapis.com/auth/contacts"}) || g.ClientID != "c2" {
		t.Errorf("after removing the overrides: name %q scopes %v client %q", g.Name, g.DefaultScopes, g.ClientID)
	}
	if g.ClientSecret.Reveal() != "google-secret-value" {
		t.Error("a spec without a secret dropped the stored one")
	}
	if !g.CreatedAt.Equal(appsEpoch) || !g.UpdatedAt.Equal(appsEpoch.Add(time.Hour)) {
		t.Errorf("timestamps: created %v updated %v", g.CreatedAt, g.UpdatedAt)
	}
	if _, err := f.apps.Apply(ctx, parseApps(t, second+"    overrides: {clearClientSecret: true}\n", testEnv(nil))); err != nil {
		t.Fatal(err)
	}
	if g, _ = f.apps.Get(ctx, "google-contacts"); !g.ClientSecret.IsZero() {
		t.Error("clearClientSecret did not remove the secret")
	}
}

// Invalid apps are reported at their position in the file, and nothing is written.
func TestApplyValidatesEverythingFirst(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	src := `apps:
  - template: github
    clientId: gh
  - id: crm
    kind: oauth2
    name: CRM
    clientId: crm
    authorizationUrl: http://crm.example.com/authorize
    tokenUrl: https://crm.example.com/token
    scopes:
      - {name: "has space"}
  - template: zendsk
    clientId: zd
  - template: zendesk
    clientId: zd
  - id: zendesk-2
    template: zendesk
    clientId: zd
    variables: {subdomain: acme}
    overrides: {tokenUrl: "ftp://x"}
`
	_, err := f.apps.Apply(ctx, parseApps(t, src, testEnv(nil)))
	var fe *AppsFileError
	if !errors.As(err, &fe) {
		t.Fatalf("Apply = %v, want *AppsFileError", err)
	}
	for _, want := range []string{
		`apps.yaml:8:23: app "crm": authorizationUrl: must use https`,
		`apps.yaml:11:16: app "crm": scopes[0].name:`,
		`apps.yaml:12:15: app "zendsk": template: "zendsk" is not in the catalog (did you mean "zendesk"?)`,
		`apps.yaml:14:5: app "zendesk": variables.subdomain: required`,
		`apps.yaml:20:27: app "zendesk-2": tokenUrl:`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n%s\ndoes not contain\n%s", err, want)
		}
	}
	if list, _ := f.apps.List(ctx); len(list) != 0 {
		t.Errorf("Apply wrote %d apps although some were invalid", len(list))
	}
}

func TestApplyRefusesAKindChange(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	if _, err := f.apps.Create(ctx, customPatch("crm", "s")); err != nil {
		t.Fatal(err)
	}
	src := "apps:\n  - id: crm\n    kind: apikey\n    name: CRM\n    apiKey: {label: CRM key}\n"
	_, err := f.apps.Apply(ctx, parseApps(t, src, testEnv(nil)))
	if err == nil || !strings.Contains(err.Error(), `apps.yaml:3:11: app "crm": kind: cannot be changed after creation (the stored app is oauth2)`) {
		t.Errorf("Apply = %v", err)
	}
}

// Specs built in Go work without a file; their problems carry no position.
func TestApplySpecsFromGo(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	rep, err := f.apps.Apply(ctx, []AppSpec{{Patch: customPatch("crm", "s")}, {Template: "openai"}})
	if err != nil || !slices.Equal(rep.Created, []string{"crm", "openai"}) {
		t.Fatalf("Apply = %+v, %v", rep, err)
	}
	_, err = f.apps.Apply(ctx, []AppSpec{{Patch: AppPatch{Kind: ptr(KindOAuth2)}}})
	if err == nil || !strings.HasPrefix(err.Error(), `app "": id: required`) {
		t.Errorf("Apply of a spec without id = %v", err)
	}
}
