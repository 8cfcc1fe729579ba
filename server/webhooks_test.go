package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/webhooks"
)

// An endpoint is created, shown, changed, given a new secret, tested and deleted over REST; its
// secret appears only in the answers of the create and the rotation, never in a later answer or
// the log.
func TestWebhookEndpointsOverREST(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	r := h.api.call("POST", "/v1/webhooks", `{"url":"https://hooks.example.com/in","eventTypes":["connection.*"],"appIds":["crm"]}`)
	if r.status != http.StatusCreated || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct {
		ID, Secret string
	}
	_ = json.Unmarshal([]byte(r.body), &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || !strings.HasPrefix(created.ID, "we_") {
		t.Fatalf("create answered %s", r.body)
	}
	secrets := []string{created.Secret}
	for _, step := range []struct{ method, path, body string }{
		{"GET", "/v1/webhooks/" + created.ID, ""},
		{"GET", "/v1/webhooks", ""},
		{"PATCH", "/v1/webhooks/" + created.ID, `{"description":"CRM events","disabled":true}`},
		{"POST", "/v1/webhooks/" + created.ID + "/test", ""},
		{"GET", "/v1/webhooks/" + created.ID + "/deliveries", ""},
	} {
		r := h.api.call(step.method, step.path, step.body)
		if r.status >= 300 || strings.Contains(r.body, "whsec_") {
			t.Errorf("%s %s: %d %s", step.method, step.path, r.status, r.body)
		}
	}
	r = h.api.call("POST", "/v1/webhooks/"+created.ID+"/rotate-secret", `{"overlapSeconds":60}`)
	var rotated struct {
		Secret                  string
		PreviousSecretExpiresAt string
	}
	_ = json.Unmarshal([]byte(r.body), &rotated)
	if r.status != http.StatusOK || rotated.Secret == created.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.PreviousSecretExpiresAt == "" {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	secrets = append(secrets, rotated.Secret)
	if r := h.api.call("DELETE", "/v1/webhooks/"+created.ID, ""); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := h.api.call("GET", "/v1/webhooks/"+created.ID, ""); r.status != http.StatusNotFound {
		t.Errorf("after delete: %d %s", r.status, r.body)
	}
	for _, s := range secrets {
		if strings.Contains(h.logs.String(), strings.TrimPrefix(s, "whsec_")) {
			t.Error("a signing secret reached the log")
		}
	}
}

// Bad endpoints are refused field by field: plain http to a remote host, an unknown event type,
// a bad app id.
func TestWebhookEndpointValidation(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for body, field := range map[string]string{
		`{"url":"http://hooks.example.com/in"}`: "url",
		`{}`:                                    "url",
		`{"url":"https://hooks.example.com","eventTypes":["nope"]}`:   "eventTypes",
		`{"url":"https://hooks.example.com","appIds":["Not An App"]}`: "appIds",
		`{"url":"https://user:pass@hooks.example.com/in"}`:            "url",
	} {
		r := h.api.call("POST", "/v1/webhooks", body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", body, r.status, r.body)
			continue
		}
		if _, fields := r.errorFields(t); fields[field] == nil {
			t.Errorf("%s: no message for %s in %s", body, field, r.body)
		}
	}
	if r := h.api.call("GET", "/v1/webhooks/we_unknown/deliveries?limit=1000", ""); r.status != http.StatusBadRequest {
		t.Errorf("limit 1000: %d %s", r.status, r.body)
	}
}

// An endpoint declared in the apps file says so, and its secret cannot be rotated over REST: the
// file's environment variable holds it.
func TestWebhookEndpointFromTheAppsFileOverREST(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a-signing-secret-of-32-bytes-ok!"))
	specs, err := webhooks.ParseAppsFile("apps.yaml", []byte("webhooks:\n  - id: billing\n    url: https://billing.example.com/in\n    secretEnv: S\n"),
		func(string) string { return secret })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.hooks.ApplyAppsFile(context.Background(), specs); err != nil {
		t.Fatal(err)
	}
	if r := h.api.call("GET", "/v1/webhooks/billing", ""); r.status != http.StatusOK || !strings.Contains(r.body, `"managedBy":"apps-file"`) {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	r := h.api.call("POST", "/v1/webhooks/billing/rotate-secret", "")
	if r.status != http.StatusConflict || !strings.Contains(r.body, "managed_by_file") || strings.Contains(r.body, "whsec_") {
		t.Errorf("rotate: %d %s", r.status, r.body)
	}
	if strings.Contains(h.logs.String(), strings.TrimPrefix(secret, "whsec_")) {
		t.Error("the signing secret reached the log")
	}
}
