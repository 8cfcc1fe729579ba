package apps

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func appsWithKeyring(t *testing.T, s *store.Store, spec string) *Apps {
	t.Helper()
	kr, err := store.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewApps(Options{Store: s, Keyring: kr, Clock: clock.NewFake(appsEpoch), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newKeyEntry(t *testing.T, id string) string {
	t.Helper()
	e, err := store.GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sealedSecretOf reads the sealed client secret straight from an app's record.
func sealedSecretOf(t *testing.T, s *store.Store, id string) (appRecord, int64) {
	t.Helper()
	r, err := s.Get(context.Background(), s.Keys().App(id))
	if err != nil {
		t.Fatal(err)
	}
	var rec appRecord
	if err := json.Unmarshal(r.Data, &rec); err != nil {
		t.Fatal(err)
	}
	return rec, r.Rev
}

var testSecrets = map[string]string{
	"google-contacts": "GOCSPX-contacts-0123456789abcdef",
	"crm":             "crm-client-secret-9f8e7d6c5b4a",
	"erp":             "erp-client-secret-a1b2c3d4e5f6",
}

func createSecretApps(t *testing.T, a *Apps) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.CreateFromTemplate(ctx, "google-contacts", googleInput(testSecrets["google-contacts"])); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"crm", "erp"} {
		if _, err := a.Create(ctx, customPatch(id, testSecrets[id])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.CreateFromTemplate(ctx, "openai", TemplateInput{}); err != nil {
		t.Fatal(err)
	}
}

func TestClientSecretsNeverStoredInPlainText(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		a := appsWithKeyring(t, s, newKeyEntry(t, "k1"))
		createSecretApps(t, a)
		if _, err := a.Update(context.Background(), "crm", AppPatch{Name: ptr("CRM")}); err != nil {
			t.Fatal(err)
		}
		if hits := storetest.Find(t, s, "sealedClientSecret"); len(hits) < len(testSecrets) {
			t.Fatalf("the search finds sealed secrets in %v only; is it reading the app records?", hits)
		}
		for id, secret := range testSecrets {
			if hits := storetest.Find(t, s, secret); len(hits) > 0 {
				t.Errorf("the client secret of %s is in Redis in plain text, in %v", id, hits)
			}
		}
	})
}

func TestSealedSecretIsBoundToItsApp(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ring := newKeyEntry(t, "k1")
	createSecretApps(t, appsWithKeyring(t, s, ring))
	ctx := context.Background()

	crm, _ := sealedSecretOf(t, s, "crm")
	erp, rev := sealedSecretOf(t, s, "erp")
	erp.ClientSecret = crm.ClientSecret // move crm's sealed secret onto erp's record
	data, _ := json.Marshal(erp)
	if _, err := s.Put(ctx, s.Keys().App("erp"), rev, data, 0); err != nil {
		t.Fatal(err)
	}

	fresh := appsWithKeyring(t, s, ring)
	_, err := fresh.Get(ctx, "erp")
	if !errors.Is(err, store.ErrSealBroken) {
		t.Fatalf("Get of an app holding another app's sealed secret: %v, want ErrSealBroken", err)
	}
	if strings.Contains(err.Error(), testSecrets["crm"]) {
		t.Error("the error shows the secret")
	}
	if _, err := fresh.Get(ctx, "crm"); err != nil {
		t.Errorf("the source app no longer opens: %v", err)
	}
	// Setting a new secret repairs the app.
	if _, err := fresh.Update(ctx, "erp", AppPatch{ClientSecret: ptr(outbound.NewSecret("fresh-secret"))}); err != nil {
		t.Fatalf("repairing the secret: %v", err)
	}
	if got, err := fresh.Get(ctx, "erp"); err != nil || got.ClientSecret.Reveal() != "fresh-secret" {
		t.Errorf("after repair: %v", err)
	}
}

func TestResealMovesEverySecretToTheActiveKey(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		oldKey, newKey := newKeyEntry(t, "old"), newKeyEntry(t, "new")
		createSecretApps(t, appsWithKeyring(t, s, oldKey))
		before, _ := sealedSecretOf(t, s, "crm")

		rotated := appsWithKeyring(t, s, newKey+","+oldKey)
		rep, err := rotated.Reseal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := (ResealReport{Kind: "apps", Scanned: 4, Resealed: 3}); rep != want {
			t.Errorf("report = %+v, want %+v", rep, want)
		}
		onlyNew := appsWithKeyring(t, s, newKey)
		kr, _ := store.ParseKeyring(newKey)
		for id, secret := range testSecrets {
			rec, _ := sealedSecretOf(t, s, id)
			if kid, err := kr.KeyIDOf(rec.ClientSecret); err != nil || kid != "new" {
				t.Errorf("app %s: sealed under %q (%v), want new", id, kid, err)
			}
			got, err := onlyNew.Get(ctx, id)
			if err != nil || got.ClientSecret.Reveal() != secret {
				t.Errorf("app %s does not open with the new key alone: %v", id, err)
			}
			if !got.UpdatedAt.Equal(appsEpoch) {
				t.Errorf("app %s: reseal moved updatedAt to %v", id, got.UpdatedAt)
			}
		}
		after, _ := sealedSecretOf(t, s, "crm")
		if after.App.Name != before.App.Name || after.ClientSecret == before.ClientSecret {
			t.Error("reseal changed the app or kept the old ciphertext")
		}

		rep, err = rotated.Reseal(ctx)
		if err != nil || rep.Resealed != 0 || rep.Scanned != 4 {
			t.Errorf("second reseal = %+v, %v; want nothing resealed", rep, err)
		}
	})
}

func TestResealReportsAppsItCannotOpen(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ctx := context.Background()
	lost, current := newKeyEntry(t, "lost"), newKeyEntry(t, "current")
	if _, err := appsWithKeyring(t, s, lost).Create(ctx, customPatch("orphan", "orphan-secret")); err != nil {
		t.Fatal(err)
	}
	a := appsWithKeyring(t, s, current)
	if _, err := a.Create(ctx, customPatch("crm", "crm-secret")); err != nil {
		t.Fatal(err)
	}
	rep, err := a.Reseal(ctx)
	if err == nil || !errors.Is(err, store.ErrUnknownKey) || !strings.Contains(err.Error(), `"orphan"`) {
		t.Errorf("reseal error = %v, want one naming the orphan app and ErrUnknownKey", err)
	}
	if strings.Contains(err.Error(), "orphan-secret") {
		t.Error("the error shows the secret")
	}
	if want := (ResealReport{Kind: "apps", Scanned: 2, Failed: 1}); rep != want {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
}
