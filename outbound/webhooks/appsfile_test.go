package webhooks_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

var (
	billingSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("billing-secret-of-32-bytes-long!"))
	auditSecret   = "whsec_" + base64.StdEncoding.EncodeToString([]byte("audit-secret-of-at-least-24-bytes"))
	newSecret     = "whsec_" + base64.StdEncoding.EncodeToString([]byte("the-rotated-billing-secret-32-b!"))
)

const hooksFile = `apps:
  - id: crm
    kind: apikey
webhooks:
  - id: billing
    url: https://billing.example.com/outflow/events
    secretEnv: BILLING_SECRET
    eventTypes: [connection.*, apikey.invalid]
    appIds: [crm]
    description: Billing's receiver
  - id: audit
    url: https://audit.example.com/in
    secretEnv: AUDIT_SECRET
    enabled: false
`

func env(extra map[string]string) func(string) string {
	m := map[string]string{"BILLING_SECRET": billingSecret, "AUDIT_SECRET": auditSecret}
	for k, v := range extra {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func parse(t *testing.T, src string, getenv func(string) string) []webhooks.EndpointSpec {
	t.Helper()
	specs, err := webhooks.ParseAppsFile("apps.yaml", []byte(src), getenv)
	if err != nil {
		t.Fatal(err)
	}
	return specs
}

func TestParseAppsFileReadsTheWebhooks(t *testing.T) {
	t.Parallel()
	specs := parse(t, hooksFile, env(nil))
	if len(specs) != 2 {
		t.Fatalf("specs = %d, want 2", len(specs))
	}
	b, a := specs[0], specs[1]
	if b.ID != "billing" || *b.Input.URL != "https://billing.example.com/outflow/events" || b.Secret.Reveal() != billingSecret ||
		!slices.Equal(*b.Input.EventTypes, []string{"connection.*", "apikey.invalid"}) || !slices.Equal(*b.Input.AppIDs, []string{"crm"}) ||
		*b.Input.Disabled || *b.Input.Description != "Billing's receiver" {
		t.Errorf("billing = %+v", b)
	}
	if a.ID != "audit" || !*a.Input.Disabled || a.Secret.Reveal() != auditSecret {
		t.Errorf("audit = %+v", a)
	}
	// The apps parser takes the same file, webhooks and all; a file may declare only webhooks.
	if specs, err := apps.ParseAppsFile("apps.yaml", []byte(hooksFile), env(nil)); err != nil || len(specs) != 1 {
		t.Errorf("apps.ParseAppsFile = %d specs, %v", len(specs), err)
	}
	only := "webhooks:\n  - id: audit\n    url: https://audit.example.com/in\n    secretEnv: AUDIT_SECRET\n"
	if specs, err := apps.ParseAppsFile("apps.yaml", []byte(only), env(nil)); err != nil || len(specs) != 0 {
		t.Errorf("apps.ParseAppsFile of a webhooks-only file = %d specs, %v", len(specs), err)
	}
	if specs := parse(t, "apps: []\n", env(nil)); len(specs) != 0 {
		t.Errorf("a file without webhooks declares %d endpoints", len(specs))
	}
}

func TestParseAppsFileWebhookErrors(t *testing.T) {
	t.Parallel()
	const head = "webhooks:\n  - id: billing\n    url: https://billing.example.com/in\n"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"literal secret", head + "    secret: " + billingSecret + "\n",
			[]string{"apps.yaml:4:5: a literal secret is not allowed in an apps file", "secretEnv"}},
		{"unknown key", head + "    secretEnv: BILLING_SECRET\n    eventType: [app.*]\n",
			[]string{`apps.yaml:5:5: unknown field "eventType" in webhook "billing" (did you mean "eventTypes"?)`}},
		{"missing secretEnv", head, []string{`apps.yaml:2:5: missing required field "secretEnv" in webhook "billing"`}},
		{"missing url", "webhooks:\n  - id: billing\n    secretEnv: BILLING_SECRET\n", []string{`apps.yaml:2:5: missing required field "url"`}},
		{"unset variable", head + "    secretEnv: UNSET\n",
			[]string{`apps.yaml:4:16: environment variable UNSET is empty or not set; it must hold the signing secret of webhook "billing"`}},
		{"not a signing secret", head + "    secretEnv: PLAIN\n",
			[]string{"apps.yaml:4:16: environment variable PLAIN must hold a signing secret: whsec_ followed by the base64"}},
		{"short secret", head + "    secretEnv: SHORT\n", []string{"apps.yaml:4:16: environment variable SHORT must hold a signing secret"}},
		{"bad variable name", head + "    secretEnv: 'not a name'\n", []string{"apps.yaml:4:16: secretEnv of webhook \"billing\" must be an environment variable name"}},
		{"bad id", "webhooks:\n  - id: Billing_1\n    url: https://b.example.com\n    secretEnv: BILLING_SECRET\n",
			[]string{"apps.yaml:2:9: the id of webhook \"Billing_1\" must be a slug"}},
		{"duplicate id", head + "    secretEnv: BILLING_SECRET\n" + "  - id: billing\n    url: https://b.example.com\n    secretEnv: BILLING_SECRET\n",
			[]string{`apps.yaml:5:5: webhook "billing" is declared twice; the first is at line 2`}},
		{"disabled instead of enabled", head + "    secretEnv: BILLING_SECRET\n    disabled: true\n", []string{"apps.yaml:5:5: use enabled: false"}},
		{"enabled not a boolean", head + "    secretEnv: BILLING_SECRET\n    enabled: sometimes\n", []string{`apps.yaml:5:14: "enabled" in webhook "billing" must be true or false`}},
		{"not a list", "webhooks: {id: billing}\n", []string{"apps.yaml:1:11: webhooks must be a list of webhook endpoints"}},
		{"entry not a mapping", "webhooks:\n  - billing\n", []string{"apps.yaml:2:5: webhooks[0] must be a mapping"}},
		{"not yaml", "webhooks: [\n", []string{"apps.yaml:", "invalid YAML"}},
		{"not a mapping", "- webhooks\n", []string{"apps.yaml:1:1: an apps file is a mapping"}},
	}
	getenv := env(map[string]string{"PLAIN": "hunter2hunter2", "SHORT": "whsec_" + base64.StdEncoding.EncodeToString([]byte("hunter2hunter2"))})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			specs, err := webhooks.ParseAppsFile("apps.yaml", []byte(tc.src), getenv)
			var fe *apps.AppsFileError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v (%T), specs = %v; want *apps.AppsFileError", err, err, specs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\ndoes not contain\n%s", err, w)
				}
			}
			for _, s := range []string{"hunter2", billingSecret, strings.TrimPrefix(billingSecret, "whsec_")} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error shows a secret: %s", err)
				}
			}
		})
	}
}

type hooksFixture struct {
	hooks *webhooks.Webhooks
	clock *clock.Fake
	logs  *bytes.Buffer
}

func newHooks(t *testing.T, st *store.Store) hooksFixture {
	t.Helper()
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	f := hooksFixture{clock: clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)), logs: &bytes.Buffer{}}
	f.hooks, err = webhooks.New(webhooks.Options{Store: st, Keyring: ring, Clock: f.clock,
		Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestApplyAppsFileIsIdempotentAndLeavesAPIEndpointsAlone(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		f := newHooks(t, st)
		ctx := context.Background()
		u := "https://api-made.example.com/in"
		byAPI, _, err := f.hooks.Create(ctx, webhooks.EndpointInput{URL: &u})
		if err != nil {
			t.Fatal(err)
		}

		rep, err := f.hooks.ApplyAppsFile(ctx, parse(t, hooksFile, env(nil)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rep.Created, []string{"billing", "audit"}) || len(rep.Updated)+len(rep.Unchanged)+len(rep.Deleted) != 0 {
			t.Fatalf("first apply = %+v", rep)
		}
		billing, err := f.hooks.Get(ctx, "billing")
		if err != nil || billing.ManagedBy != webhooks.ManagedByAppsFile || billing.URL != "https://billing.example.com/outflow/events" ||
			!slices.Equal(billing.EventTypes, []string{"apikey.invalid", "connection.*"}) {
			t.Fatalf("billing = %+v, %v", billing, err)
		}
		if audit, _ := f.hooks.Get(ctx, "audit"); !audit.Disabled {
			t.Errorf("audit = %+v, want disabled", audit)
		}

		// The same file again writes nothing.
		f.clock.Advance(time.Hour)
		rep, err = f.hooks.ApplyAppsFile(ctx, parse(t, hooksFile, env(nil)))
		if err != nil || !slices.Equal(rep.Unchanged, []string{"billing", "audit"}) || len(rep.Created)+len(rep.Updated)+len(rep.Deleted) != 0 {
			t.Fatalf("second apply = %+v, %v", rep, err)
		}
		if again, _ := f.hooks.Get(ctx, "billing"); !again.UpdatedAt.Equal(billing.UpdatedAt) {
			t.Error("an unchanged endpoint was rewritten")
		}

		// A change over the API lasts until the next apply, which sets the file's values again.
		if _, err := f.hooks.Update(ctx, "billing", webhooks.EndpointInput{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		rep, err = f.hooks.ApplyAppsFile(ctx, parse(t, hooksFile, env(nil)))
		if err != nil || !slices.Equal(rep.Updated, []string{"billing"}) {
			t.Fatalf("apply after an API change = %+v, %v", rep, err)
		}
		if b, _ := f.hooks.Get(ctx, "billing"); b.Disabled {
			t.Error("the apply did not enable billing again")
		}

		// The file's secret is the endpoint's: the API cannot rotate it; a new value in the
		// environment rotates it, with the usual overlap.
		if _, _, err := f.hooks.RotateSecret(ctx, "billing", 0); !errors.Is(err, webhooks.ErrManagedByFile) {
			t.Errorf("RotateSecret of a file endpoint: err = %v, want ErrManagedByFile", err)
		}
		rep, err = f.hooks.ApplyAppsFile(ctx, parse(t, hooksFile, env(map[string]string{"BILLING_SECRET": newSecret})))
		if err != nil || !slices.Equal(rep.Updated, []string{"billing"}) {
			t.Fatalf("apply with a new secret = %+v, %v", rep, err)
		}
		if b, _ := f.hooks.Get(ctx, "billing"); !b.PreviousSecretExpiresAt.Equal(f.clock.Now().UTC().Add(webhooks.DefaultSecretOverlap)) {
			t.Errorf("previousSecretExpiresAt = %v, want the overlap's end", b.PreviousSecretExpiresAt)
		}

		// An endpoint the file no longer declares is deleted; the API's endpoint stays.
		rep, err = f.hooks.ApplyAppsFile(ctx, parse(t, "apps: []\n", env(nil)))
		if err != nil || !slices.Equal(rep.Deleted, []string{"audit", "billing"}) {
			t.Fatalf("apply of a file without webhooks = %+v, %v", rep, err)
		}
		list, _ := f.hooks.List(ctx)
		if len(list) != 1 || list[0].ID != byAPI.ID || list[0].ManagedBy != "" {
			t.Errorf("endpoints left = %+v, want only the API's", list)
		}

		for _, s := range []string{billingSecret, newSecret, auditSecret} {
			if hits := storetest.Find(t, st, s); len(hits) > 0 {
				t.Errorf("a signing secret is in Redis in plain text: %v", hits)
			}
			if raw := strings.TrimPrefix(s, "whsec_"); strings.Contains(f.logs.String(), raw) {
				t.Error("a signing secret reached the log")
			}
		}
	})
}

func TestApplyAppsFileChecksEverythingBeforeWriting(t *testing.T) {
	t.Parallel()
	f := newHooks(t, storetest.New(t))
	ctx := context.Background()
	src := hooksFile + "  - id: local\n    url: http://10.0.0.5/in\n    secretEnv: BILLING_SECRET\n    eventTypes: [connection.exploded]\n"
	_, err := f.hooks.ApplyAppsFile(ctx, parse(t, src, env(nil)))
	var fe *apps.AppsFileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want *apps.AppsFileError", err)
	}
	for _, w := range []string{
		`apps.yaml:16:10: webhook "local": url: must use https://`,
		`apps.yaml:18:17: webhook "local": eventTypes: "connection.exploded" is not an event type`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n%s\ndoes not contain\n%s", err, w)
		}
	}
	if list, _ := f.hooks.List(ctx); len(list) != 0 {
		t.Errorf("a refused file wrote %d endpoints", len(list))
	}
	if strings.Contains(err.Error(), strings.TrimPrefix(billingSecret, "whsec_")) {
		t.Error("the error shows a secret")
	}
}

func ptr[T any](v T) *T { return &v }
