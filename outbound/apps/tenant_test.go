package apps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store/storetest"
)

const tenantSecret = "tenant-secret-7Qm2xZ"

func tenantInput(clientID, secret string) TenantSettingsInput {
	in := TenantSettingsInput{TenantOverrides: TenantOverrides{ClientID: clientID}}
	if secret != "" {
		in.ClientSecret = ptr(outbound.NewSecret(secret))
	}
	return in
}

func TestTenantSettingsPutGetDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setupApps(t, nil)
	var logs bytes.Buffer
	f.apps.opts.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	if _, err := f.apps.Create(ctx, customPatch("crm", "app-secret")); err != nil {
		t.Fatal(err)
	}
	in := tenantInput("acme-client", tenantSecret)
	in.AuthorizationParams = map[string]string{"audience": "acme"}
	s, err := f.apps.PutTenantSettings(ctx, "crm", "acme", in)
	if err != nil {
		t.Fatal(err)
	}
	if s.Revision != 1 || s.ClientSecret.Reveal() != tenantSecret || s.Client() != ClientTenant {
		t.Fatalf("put: revision %d, client %q", s.Revision, s.Client())
	}
	// The same put again changes nothing; a change bumps the revision and keeps the secret.
	if s, _ = f.apps.PutTenantSettings(ctx, "crm", "acme", in); s.Revision != 1 {
		t.Errorf("an unchanged put made revision %d", s.Revision)
	}
	in.ClientSecret = nil
	in.DefaultScopes = nil
	in.AuthorizationParams = map[string]string{"audience": "acme-2"}
	if s, err = f.apps.PutTenantSettings(ctx, "crm", "acme", in); err != nil || s.Revision != 2 || s.ClientSecret.Reveal() != tenantSecret {
		t.Fatalf("second put: revision %d, kept secret %v, err %v", s.Revision, s.ClientSecret.Reveal() == tenantSecret, err)
	}
	got, err := f.apps.TenantSettings(ctx, "crm", "acme")
	if err != nil || got.Revision != 2 || got.AuthorizationParams["audience"] != "acme-2" {
		t.Fatalf("get: %+v, %v", got.TenantOverrides, err)
	}
	view, err := json.Marshal(got.View())
	if err != nil || strings.Contains(string(view), tenantSecret) || !strings.Contains(string(view), `"hasClientSecret":true`) {
		t.Errorf("view: %s, %v", view, err)
	}
	list, err := f.apps.ListTenantSettings(ctx, "crm")
	if err != nil || len(list) != 1 || !list[0].HasClientSecret || list[0].TenantID != "acme" {
		t.Errorf("list: %+v, %v", list, err)
	}
	if hits := storetest.Find(t, f.store, tenantSecret); len(hits) > 0 || strings.Contains(logs.String(), tenantSecret) {
		t.Errorf("the tenant's client secret is in plain text in Redis (%v) or the logs", hits)
	}
	if err := f.apps.DeleteTenantSettings(ctx, "crm", "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.TenantSettings(ctx, "crm", "acme"); !errors.Is(err, ErrTenantSettingsNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := f.apps.DeleteTenantSettings(ctx, "crm", "acme"); !errors.Is(err, ErrTenantSettingsNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := f.apps.PutTenantSettings(ctx, "nope", "acme", in); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("put for an unknown app: %v", err)
	}
}

func TestTenantSettingsValidatedLikeTheApp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setupApps(t, nil)
	if _, err := f.apps.Create(ctx, customPatch("crm", "app-secret")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.PutTenantSettings(ctx, "crm", "acme", tenantInput("acme-client", tenantSecret)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		in    TenantSettingsInput
		field string
	}{
		{"http token URL", TenantSettingsInput{TenantOverrides: TenantOverrides{ClientID: "acme-client", TokenURL: "http://crm.example.com/token"}}, "tokenUrl"},
		{"token URL with a fragment", TenantSettingsInput{TenantOverrides: TenantOverrides{ClientID: "acme-client", TokenURL: "https://crm.example.com/token#x"}}, "tokenUrl"},
		{"new client without its secret", tenantInput("other-client", ""), "clientSecret"},
		{"secret without a client", TenantSettingsInput{ClientSecret: ptr(outbound.NewSecret("s"))}, "clientId"},
		{"empty secret", TenantSettingsInput{TenantOverrides: TenantOverrides{ClientID: "acme-client"}, ClientSecret: ptr(outbound.NewSecret(""))}, "clientSecret"},
		{"client id with a space", tenantInput("a b", "s"), "clientId"},
		{"variables without a template", TenantSettingsInput{TenantOverrides: TenantOverrides{ClientID: "acme-client", Variables: map[string]string{"subdomain": "acme"}}}, "variables"},
		{"default scope not listed", TenantSettingsInput{TenantOverrides: TenantOverrides{ClientID: "acme-client",
			Scopes: []Scope{{Name: "read"}}, DefaultScopes: []string{"write"}}}, "defaultScopes[0]"},
	} {
		_, err := f.apps.PutTenantSettings(ctx, "crm", "acme", tc.in)
		var ie *outbound.InvalidError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidApp) || !slices.ContainsFunc(ie.Fields, func(fe outbound.FieldError) bool { return fe.Field == tc.field }) {
			t.Errorf("%s: want a field error on %s, got %v", tc.name, tc.field, err)
		}
		if err != nil && strings.Contains(err.Error(), tenantSecret) {
			t.Errorf("%s: the error shows the secret", tc.name)
		}
	}
	if _, err := f.apps.PutTenantSettings(ctx, "crm", "bad\ntenant", tenantInput("c", "s")); err == nil {
		t.Error("a tenant id with a newline was accepted")
	}
	if s, _ := f.apps.TenantSettings(ctx, "crm", "acme"); s.Revision != 1 {
		t.Errorf("refused puts changed the settings: revision %d", s.Revision)
	}
}

func TestTenantVariablesFillTheTemplate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setupApps(t, nil)
	app, err := f.apps.CreateFromTemplate(ctx, "zendesk", TemplateInput{ClientID: "zd", ClientSecret: outbound.NewSecret("zs"),
		Variables: map[string]string{"subdomain": "vendor"}})
	if err != nil {
		t.Fatal(err)
	}
	in := tenantInput("acme-zd", tenantSecret)
	in.Variables = map[string]string{"subdomain": "acme"}
	if _, err := f.apps.PutTenantSettings(ctx, app.ID, "acme", in); err != nil {
		t.Fatal(err)
	}
	eff, tc, err := f.apps.ForTenant(ctx, app, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if eff.TokenURL != "https://acme.zendesk.com/oauth/tokens" || eff.AuthorizationURL != "https://acme.zendesk.com/oauth/authorizations/new" ||
		eff.ClientID != "acme-zd" || eff.ClientSecret.Reveal() != tenantSecret || tc != (TenantClient{Client: ClientTenant, TenantID: "acme", Revision: 1}) {
		t.Errorf("effective app: %s %s %s, %+v", eff.TokenURL, eff.AuthorizationURL, eff.ClientID, tc)
	}
	if !slices.Contains(eff.APIBaseURLs, "https://acme.zendesk.com/api/v2") {
		t.Errorf("api bases: %v", eff.APIBaseURLs)
	}
	if plain, tc, _ := f.apps.ForTenant(ctx, app, "other"); plain.TokenURL != "https://vendor.zendesk.com/oauth/tokens" || tc.Client != ClientApp || tc.Revision != 0 {
		t.Errorf("a tenant without settings: %s %+v", plain.TokenURL, tc)
	}
	in.Variables = map[string]string{"subdomain": "not a host"}
	if _, err := f.apps.PutTenantSettings(ctx, app.ID, "acme", in); err == nil || !strings.Contains(err.Error(), "variables.subdomain") {
		t.Errorf("a bad variable: %v", err)
	}
}

func TestTenantRevisionsKeepTheirClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setupApps(t, nil)
	app, err := f.apps.Create(ctx, customPatch("crm", "app-secret"))
	if err != nil {
		t.Fatal(err)
	}
	var inUse []int64
	f.apps.TenantRevisionsInUse(func(context.Context, string, string) ([]int64, error) { return inUse, nil })
	var removals []TenantRemoval
	f.apps.OnTenantRemoval(func(_ context.Context, r TenantRemoval) error { removals = append(removals, r); return nil })

	mustPut := func(in TenantSettingsInput) TenantSettings {
		t.Helper()
		s, err := f.apps.PutTenantSettings(ctx, "crm", "acme", in)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	mustPut(tenantInput("client-one", "secret-one"))
	inUse = []int64{1}
	mustPut(tenantInput("client-two", "secret-two"))
	r1, err := f.apps.ForTenantRevision(ctx, app, "acme", 1)
	if err != nil || r1.ClientID != "client-one" || r1.ClientSecret.Reveal() != "secret-one" {
		t.Fatalf("revision 1 after a change of client: %q, %v", r1.ClientID, err)
	}
	// A rotated secret of the same client reaches the revisions of that client.
	inUse = []int64{1, 2}
	mustPut(tenantInput("client-two", "secret-two-rotated"))
	r2, err := f.apps.ForTenantRevision(ctx, app, "acme", 2)
	if err != nil || r2.ClientSecret.Reveal() != "secret-two-rotated" {
		t.Errorf("revision 2 after the secret rotated: %v", err)
	}
	// Revisions no connection uses are dropped on the next change.
	inUse = nil
	mustPut(TenantSettingsInput{})
	if _, err := f.apps.ForTenantRevision(ctx, app, "acme", 1); !errors.Is(err, ErrTenantRevisionGone) {
		t.Errorf("an unused revision is still kept: %v", err)
	}
	if len(removals) != 1 || removals[0] != (TenantRemoval{AppID: "crm", TenantID: "acme"}) {
		t.Errorf("dropping the client ran the removal hooks %+v", removals)
	}
	if err := f.apps.DeleteTenantSettings(ctx, "crm", "acme"); err != nil {
		t.Fatal(err)
	}
	if len(removals) != 2 || !removals[1].AllSettings {
		t.Errorf("delete ran the removal hooks %+v", removals)
	}
	if _, err := f.apps.ForTenantRevision(ctx, app, "acme", 4); !errors.Is(err, ErrTenantRevisionGone) {
		t.Errorf("a revision of deleted settings: %v", err)
	}
}

func TestTenantRemovalHookFailureKeepsTheSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setupApps(t, nil)
	if _, err := f.apps.Create(ctx, customPatch("crm", "app-secret")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.PutTenantSettings(ctx, "crm", "acme", tenantInput("c", "s")); err != nil {
		t.Fatal(err)
	}
	f.apps.OnTenantRemoval(func(context.Context, TenantRemoval) error { return fmt.Errorf("vault down") })
	if err := f.apps.DeleteTenantSettings(ctx, "crm", "acme"); err == nil {
		t.Fatal("delete succeeded though its hook failed")
	}
	if _, err := f.apps.TenantSettings(ctx, "crm", "acme"); err != nil {
		t.Errorf("the settings went though the hook failed: %v", err)
	}
}

func TestDeletingTheAppDeletesTenantSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setupApps(t, nil)
	if _, err := f.apps.Create(ctx, customPatch("crm", "app-secret")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.PutTenantSettings(ctx, "crm", "acme", tenantInput("c", tenantSecret)); err != nil {
		t.Fatal(err)
	}
	if err := f.apps.Delete(ctx, "crm"); err != nil {
		t.Fatal(err)
	}
	if hits := storetest.Find(t, f.store, "tenant"); len(hits) > 0 {
		t.Errorf("tenant keys left after the app was deleted: %v", hits)
	}
}

func TestResealMovesTenantSecretsToTheActiveKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	oldKey, newKey := newKeyEntry(t, "old"), newKeyEntry(t, "new")
	before := appsWithKeyring(t, s, oldKey)
	app, err := before.Create(ctx, customPatch("crm", "app-secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"client-one", "client-two"} {
		if _, err := before.PutTenantSettings(ctx, "crm", "acme", tenantInput(c, c+"-secret")); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := appsWithKeyring(t, s, newKey+","+oldKey).Reseal(ctx)
	if err != nil || rep.Scanned != 2 || rep.Resealed != 2 {
		t.Fatalf("reseal: %+v, %v", rep, err)
	}
	onlyNew := appsWithKeyring(t, s, newKey)
	if cur, err := onlyNew.TenantSettings(ctx, "crm", "acme"); err != nil || cur.ClientSecret.Reveal() != "client-two-secret" {
		t.Errorf("the current revision does not open with the new key alone: %v", err)
	}
	if r1, err := onlyNew.ForTenantRevision(ctx, app, "acme", 1); err != nil || r1.ClientSecret.Reveal() != "client-one-secret" {
		t.Errorf("the superseded revision does not open with the new key alone: %v", err)
	}
}
