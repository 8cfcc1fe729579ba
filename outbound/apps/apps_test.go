package apps

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// appsFixture is what the registry tests work with.
type appsFixture struct {
	apps    *Apps
	store   *store.Store
	keyring *store.Keyring
	clock   *clock.Fake
}

var appsEpoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// setupApps returns a registry on s (a fresh embedded store when nil) with a fake clock.
func setupApps(t *testing.T, s *store.Store) appsFixture {
	t.Helper()
	if s == nil {
		s = storetest.New(t)
	}
	kr, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(appsEpoch)
	apps, err := NewApps(Options{Store: s, Keyring: kr, Clock: clk, PublicURL: "https://auth.example.com",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return appsFixture{apps: apps, store: s, keyring: kr, clock: clk}
}

// customPatch describes a valid custom oauth2 app.
func customPatch(id, secret string) AppPatch {
	p := AppPatch{
		ID: ptr(id), Kind: ptr(KindOAuth2), Name: ptr("CRM " + id),
		ClientID:         ptr("client-" + id),
		AuthorizationURL: ptr("https://crm.example.com/oauth/authorize"),
		TokenURL:         ptr("https://crm.example.com/oauth/token"),
	}
	if secret != "" {
		p.ClientSecret = ptr(outbound.NewSecret(secret))
	}
	return p
}

func googleInput(secret string) TemplateInput {
	return TemplateInput{ClientID: "1234.apps.googleusercontent.com", ClientSecret: outbound.NewSecret(secret)}
}

func TestNewAppsNeedsStoreAndKeyring(t *testing.T) {
	t.Parallel()
	kr, _ := store.EphemeralKeyring()
	if _, err := NewApps(Options{Keyring: kr}); err == nil {
		t.Error("NewApps without a store succeeded")
	}
	if _, err := NewApps(Options{Store: storetest.New(t)}); err == nil {
		t.Error("NewApps without a keyring succeeded")
	}
	for _, bad := range []string{"/outflow", "auth.example.com", "ftp://auth.example.com", "https://", "https://u:p@auth.example.com",
		"https://auth.example.com/?x=1", "https://auth.example.com/#top"} {
		_, err := NewApps(Options{Store: storetest.New(t), Keyring: kr, PublicURL: bad})
		if err == nil || !strings.Contains(err.Error(), "Options.PublicURL") {
			t.Errorf("NewApps with PublicURL %q: %v, want an error naming the field", bad, err)
		}
	}
	f := setupApps(t, nil)
	if f.apps.Catalog() == nil || f.apps.Options().Catalog != f.apps.Catalog() {
		t.Error("the embedded catalog is not loaded into the options")
	}
}

func TestCreateFromTemplateAndGet(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	created, err := f.apps.CreateFromTemplate(ctx, "google-contacts", googleInput("GOCSPX-secret-1"))
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != "google-contacts" || created.TemplateID != "google-contacts" || !created.CreatedAt.Equal(appsEpoch) {
		t.Errorf("created = %s %s %v", created.ID, created.TemplateID, created.CreatedAt)
	}
	// A second registry reads Redis, not the first one's cache.
	other := setupAppsSharing(t, f)
	got, err := other.Get(ctx, "google-contacts")
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientSecret.Reveal() != "GOCSPX-secret-1" || got.TokenURL != "https://oauth2.googleapis.com/token" ||
		len(got.Scopes) != 2 || !got.CreatedAt.Equal(appsEpoch) || !got.UpdatedAt.Equal(appsEpoch) {
		t.Errorf("stored app = %+v", got)
	}
	// The link to the provider's scope reference comes along, so a console can show it.
	tmpl, _ := f.apps.Catalog().Get("google-contacts")
	if tmpl.ScopesDocsURL == "" || got.ScopesDocsURL != tmpl.ScopesDocsURL {
		t.Errorf("stored app's scopesDocsUrl %q, want the template's %q", got.ScopesDocsURL, tmpl.ScopesDocsURL)
	}
	v := f.apps.View(got)
	if !v.HasClientSecret || v.CallbackURL != "https://auth.example.com/v1/oauth/callback/google-contacts" {
		t.Errorf("view = %+v", v)
	}
}

// setupAppsSharing returns a second registry on f's store and keyring, as another instance.
func setupAppsSharing(t *testing.T, f appsFixture) *Apps {
	t.Helper()
	a, err := NewApps(f.apps.Options())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCreateErrors(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	if _, err := f.apps.Create(ctx, customPatch("crm", "s1")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.Create(ctx, customPatch("crm", "s2")); !errors.Is(err, ErrAppExists) {
		t.Errorf("duplicate create: %v, want ErrAppExists", err)
	}
	if _, err := f.apps.CreateFromTemplate(ctx, "github", TemplateInput{ID: "crm", ClientID: "x", ClientSecret: outbound.NewSecret("y")}); !errors.Is(err, ErrAppExists) {
		t.Errorf("duplicate create from template: %v, want ErrAppExists", err)
	}
	if _, err := f.apps.CreateFromTemplate(ctx, "no-such-template", googleInput("s")); !errors.Is(err, ErrTemplateNotFound) {
		t.Errorf("unknown template: %v, want ErrTemplateNotFound", err)
	}
	bad := customPatch("bad", "s")
	bad.TokenURL = ptr("http://crm.example.com/token")
	_, err := f.apps.Create(ctx, bad)
	if probs := problemsOf(t, err); probs["tokenUrl"] == "" {
		t.Errorf("invalid app: %v", err)
	}
	if _, err := f.apps.Get(ctx, "bad"); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("an invalid app was stored: %v", err)
	}
	got, _ := f.apps.Get(ctx, "crm")
	if got.ClientSecret.Reveal() != "s1" {
		t.Error("a refused duplicate changed the first app")
	}
}

func TestGetUnknown(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	for _, id := range []string{"nope", "", "../etc", "a:{b}*"} {
		if _, err := f.apps.Get(context.Background(), id); !errors.Is(err, ErrAppNotFound) {
			t.Errorf("Get(%q) = %v, want ErrAppNotFound", id, err)
		}
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	if _, err := f.apps.CreateFromTemplate(ctx, "google-contacts", googleInput("old-secret")); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)

	got, err := f.apps.Update(ctx, "google-contacts", AppPatch{DefaultScopes: &[]string{"https://www.googleapis.com/auth/contacts.readonly"}})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := f.apps.Get(ctx, "google-contacts")
	if stored.ClientSecret.Reveal() != "old-secret" {
		t.Error("an update without a secret lost the stored secret")
	}
	if !slices.Equal(stored.DefaultScopes, []string{"https://www.googleapis.com/auth/contacts.readonly"}) ||
		!stored.UpdatedAt.Equal(appsEpoch.Add(time.Minute)) || !stored.CreatedAt.Equal(appsEpoch) || !got.UpdatedAt.Equal(stored.UpdatedAt) {
		t.Errorf("updated app: scopes %v created %v updated %v", stored.DefaultScopes, stored.CreatedAt, stored.UpdatedAt)
	}

	f.clock.Advance(time.Minute)
	if _, err := f.apps.Update(ctx, "google-contacts", AppPatch{ClientSecret: ptr(outbound.NewSecret("new-secret"))}); err != nil {
		t.Fatal(err)
	}
	stored, _ = f.apps.Get(ctx, "google-contacts")
	if stored.ClientSecret.Reveal() != "new-secret" {
		t.Error("the secret was not replaced")
	}

	before := stored.UpdatedAt
	f.clock.Advance(time.Minute)
	if _, err := f.apps.Update(ctx, "google-contacts", AppPatch{Name: ptr(stored.Name)}); err != nil {
		t.Fatal(err)
	}
	if stored, _ = f.apps.Get(ctx, "google-contacts"); !stored.UpdatedAt.Equal(before) {
		t.Error("an update that changes nothing moved updatedAt")
	}

	_, err = f.apps.Update(ctx, "google-contacts", AppPatch{ID: ptr("contacts"), Kind: ptr(KindAPIKey)})
	probs := problemsOf(t, err)
	if probs["id"] != "cannot be changed after creation; create a new app instead" || probs["kind"] == "" {
		t.Errorf("id and kind change: %v", probs)
	}
	if _, err := f.apps.Update(ctx, "nope", AppPatch{Name: ptr("x")}); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("update of unknown app: %v", err)
	}
}

// Concurrent updates of different settings all land: none overwrites another.
func TestUpdateConcurrent(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		f := setupApps(t, s)
		ctx := context.Background()
		if _, err := f.apps.Create(ctx, customPatch("crm", "s")); err != nil {
			t.Fatal(err)
		}
		const writers = 4
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			inst := setupAppsSharing(t, f)
			wg.Go(func() {
				v := fmt.Sprint(i)
				_, err := inst.Update(ctx, "crm", AppPatch{AuthorizationParams: map[string]*string{"p" + v: &v}})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		got, _ := setupAppsSharing(t, f).Get(ctx, "crm")
		if len(got.AuthorizationParams) != writers {
			t.Errorf("params after concurrent updates = %v, want %d entries", got.AuthorizationParams, writers)
		}
	})
}

func TestDeleteRunsHooksFirst(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	for _, id := range []string{"crm", "erp"} {
		if _, err := f.apps.Create(ctx, customPatch(id, "s")); err != nil {
			t.Fatal(err)
		}
	}
	var calls []string
	failing := true
	f.apps.OnDelete(func(ctx context.Context, appID string) error {
		if _, err := f.store.Get(ctx, f.store.Keys().App(appID)); err != nil {
			t.Errorf("hook ran after the app record was deleted: %v", err)
		}
		calls = append(calls, "vault:"+appID)
		return nil
	})
	f.apps.OnDelete(func(ctx context.Context, appID string) error {
		calls = append(calls, "keys:"+appID)
		if failing {
			return errors.New("redis hiccup")
		}
		return nil
	})

	if err := f.apps.Delete(ctx, "crm"); err == nil {
		t.Fatal("Delete succeeded although a hook failed")
	}
	if _, err := f.apps.Get(ctx, "crm"); err != nil {
		t.Errorf("the app is gone although a hook failed: %v", err)
	}
	failing = false
	if err := f.apps.Delete(ctx, "crm"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"vault:crm", "keys:crm", "vault:crm", "keys:crm"}; !slices.Equal(calls, want) {
		t.Errorf("hook calls = %v, want %v", calls, want)
	}
	if _, err := f.apps.Get(ctx, "crm"); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	list, _ := f.apps.List(ctx)
	if len(list) != 1 || list[0].ID != "erp" {
		t.Errorf("List after Delete = %v", list)
	}
	members, _ := f.store.SetMembers(ctx, f.store.Keys().AppIndex())
	if !slices.Equal(members, []string{"erp"}) {
		t.Errorf("index after Delete = %v", members)
	}

	calls = nil
	if err := f.apps.Delete(ctx, "crm"); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("second Delete: %v, want ErrAppNotFound", err)
	}
	if len(calls) != 0 {
		t.Errorf("hooks ran for an unknown app: %v", calls)
	}
}

func TestListSortedWithSecrets(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	if list, err := f.apps.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("empty List = %v, %v", list, err)
	}
	for _, id := range []string{"zeta", "alpha", "mid"} {
		if _, err := f.apps.Create(ctx, customPatch(id, "secret-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.apps.CreateFromTemplate(ctx, "openai", TemplateInput{}); err != nil {
		t.Fatal(err)
	}
	list, err := f.apps.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
		if a.Kind == KindOAuth2 && a.ClientSecret.Reveal() != "secret-"+a.ID {
			t.Errorf("app %s has the wrong secret", a.ID)
		}
	}
	if want := []string{"alpha", "mid", "openai", "zeta"}; !slices.Equal(ids, want) {
		t.Errorf("List ids = %v, want %v", ids, want)
	}
}
