package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

const (
	keysMgmtKey = "mgmt-key-for-apikey-tests-0123456789"
	liveKey     = "sk-live-0123456789abcdefWXYZ"
	nextKey     = "sk-next-0123456789abcdefQRST"
	refusedKey  = "sk-dead-0123456789abcdefDEAD"
)

// keyAPI is a server with an app registry and an API-key store, a fake provider that accepts
// liveKey and nextKey, and a client.
type keyAPI struct {
	client
	store *store.Store
	clock *clock.Fake
	logs  *keyLogBuffer
}

func setupKeyAPI(t *testing.T) *keyAPI {
	t.Helper()
	a := &keyAPI{client: client{t: t, key: keysMgmtKey}, clock: clock.NewFake(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)), logs: &keyLogBuffer{}}
	log := slog.New(slog.NewTextHandler(a.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Authorization") {
		case "Bearer " + liveKey, "Bearer " + nextKey:
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(provider.Close)
	kind, oauth := apps.KindAPIKey, apps.KindOAuth2
	st := newStack(t, stackOptions{clock: a.clock, log: log, apps: []apps.AppPatch{{
		ID: keyStr("openai"), Kind: &kind, Name: keyStr("OpenAI"),
		APIKey: &apps.APIKeyPatch{
			Label:      keyStr("OpenAI API key"),
			FormatHint: &apps.FormatHintPatch{Prefix: keyStr("sk-")},
			Fields:     &[]apps.ConnectionField{{Name: "org", Label: "Organization", Pattern: `org-[a-z0-9]+`}},
			BaseURL:    keyStr(provider.URL), Probe: &apps.ProbePatch{Path: keyStr("/v1/models")},
		},
	}, {
		ID: keyStr("google"), Kind: &oauth, Name: keyStr("Google"), ClientID: keyStr("cid"),
		AuthorizationURL: keyStr("https://accounts.example.com/auth"), TokenURL: keyStr("https://accounts.example.com/token"),
	}}})
	a.store = st.store
	opts := st.options(keysMgmtKey)
	opts.Logger = log
	a.url = serve(t, opts)
	return a
}

func TestAPIKeyRoutesNeedTheManagementKey(t *testing.T) {
	t.Parallel()
	a := setupKeyAPI(t)
	for _, rt := range []struct{ method, path, body string }{
		{"POST", "/v1/apikeys", `{"appId":"openai","userId":"ann","apiKey":"` + liveKey + `"}`},
		{"POST", "/v1/apikeys/fetch", `{"appId":"openai","userId":"ann"}`},
		{"GET", "/v1/apikeys?userId=ann", ""},
		{"DELETE", "/v1/apikeys?appId=openai&userId=ann", ""},
	} {
		for _, key := range []string{"", "wrong-key"} {
			if r := a.callWithKey(rt.method, rt.path, rt.body, key); r.status != http.StatusUnauthorized {
				t.Errorf("%s %s with key %q: %d %s", rt.method, rt.path, key, r.status, r.body)
			}
		}
	}
	if r := a.call("POST", "/v1/apikeys/fetch", `{"appId":"openai","userId":"ann"}`); r.status != http.StatusNotFound {
		t.Errorf("nothing was stored by unauthorized calls, yet fetch says %d %s", r.status, r.body)
	}
}

func TestAPIKeyRoutesStoreFetchRotateListDelete(t *testing.T) {
	t.Parallel()
	a := setupKeyAPI(t)

	r := a.call("POST", "/v1/apikeys", `{"appId":"openai","userId":"ann","apiKey":"`+liveKey+`","fields":{"org":"org-acme"},"validate":true}`)
	if r.status != http.StatusCreated {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	info := r.object(t)
	if info["version"] != float64(1) || info["last4"] != "WXYZ" || info["appId"] != "openai" || info["hasPrevious"] != false {
		t.Errorf("put answered %s", r.body)
	}

	a.clock.Advance(time.Hour)
	if r := a.call("POST", "/v1/apikeys", `{"appId":"openai","userId":"ann","apiKey":"`+nextKey+`"}`); r.status != http.StatusCreated {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}

	r = a.call("POST", "/v1/apikeys/fetch", `{"appId":"openai","userId":"ann"}`)
	if r.status != http.StatusOK {
		t.Fatalf("fetch: %d %s", r.status, r.body)
	}
	got := r.object(t)
	prev, _ := got["previous"].(map[string]any)
	if got["apiKey"] != nextKey || got["version"] != float64(2) || prev == nil || prev["apiKey"] != liveKey || prev["version"] != float64(1) {
		t.Errorf("fetch answered %s", r.body)
	}
	if _, ok := prev["expiresAt"].(string); !ok {
		t.Errorf("previous has no expiresAt: %s", r.body)
	}

	r = a.call("GET", "/v1/apikeys?userId=ann", "")
	if r.status != http.StatusOK || strings.Contains(r.body, liveKey) || strings.Contains(r.body, nextKey) {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	list, _ := r.object(t)["apiKeys"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["hasPrevious"] != true || list[0].(map[string]any)["last4"] != "QRST" {
		t.Errorf("list answered %s", r.body)
	}
	if r := a.call("GET", "/v1/apikeys?tenantId=acme", ""); r.status != http.StatusOK || !strings.Contains(r.body, `"apiKeys":[]`) {
		t.Errorf("empty list: %d %s", r.status, r.body)
	}

	if r := a.call("DELETE", "/v1/apikeys?appId=openai&userId=ann", ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := a.call("POST", "/v1/apikeys/fetch", `{"appId":"openai","userId":"ann"}`); r.status != http.StatusNotFound {
		t.Errorf("fetch after delete: %d %s", r.status, r.body)
	}
	if r := a.call("DELETE", "/v1/apikeys?appId=openai&userId=ann", ""); r.status != http.StatusNoContent {
		t.Errorf("delete again: %d %s", r.status, r.body)
	}
	a.noKeysStoredOrLogged(t)
}

func TestAPIKeyRoutesRotateWithNoOverlap(t *testing.T) {
	t.Parallel()
	a := setupKeyAPI(t)
	if r := a.call("POST", "/v1/apikeys", `{"appId":"openai","tenantId":"acme","apiKey":"`+liveKey+`"}`); r.status != http.StatusCreated {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	r := a.call("POST", "/v1/apikeys", `{"appId":"openai","tenantId":"acme","apiKey":"`+nextKey+`","noOverlap":true}`)
	if r.status != http.StatusCreated {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	if info := r.object(t); info["version"] != float64(2) || info["hasPrevious"] != false {
		t.Errorf("rotate answered %s", r.body)
	}
	r = a.call("POST", "/v1/apikeys/fetch", `{"appId":"openai","tenantId":"acme"}`)
	if got := r.object(t); r.status != http.StatusOK || got["apiKey"] != nextKey || got["previous"] != nil {
		t.Errorf("fetch after a rotation with no overlap: %d, version %v, previous %v", r.status, got["version"], got["previous"] != nil)
	}
	a.noKeysStoredOrLogged(t)

	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(server.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if p, ok := doc.Components.Schemas["PutAPIKeyRequest"].Properties["noOverlap"]; !ok || p.Description == "" {
		t.Error("openapi.json does not describe noOverlap on PutAPIKeyRequest")
	}
}

func TestAPIKeyRoutesExplainBadRequests(t *testing.T) {
	t.Parallel()
	a := setupKeyAPI(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
		fields                   []string
	}{
		{"no owner", "POST", "/v1/apikeys", `{"appId":"openai","apiKey":"` + liveKey + `"}`, 400, "invalid_request", []string{"userId"}},
		{"no app, no owner", "POST", "/v1/apikeys", `{"apiKey":"` + liveKey + `"}`, 400, "invalid_request", []string{"appId", "userId"}},
		{"key and field of the wrong shape", "POST", "/v1/apikeys", `{"appId":"openai","tenantId":"acme","apiKey":"pk-123","fields":{"org":"acme","zone":"x"}}`, 400, "invalid_request", []string{"apiKey", "fields.org", "fields.zone"}},
		{"rejected by the provider", "POST", "/v1/apikeys", `{"appId":"openai","tenantId":"acme","apiKey":"` + refusedKey + `","validate":true}`, 400, "key_rejected", []string{"apiKey"}},
		{"unknown body field", "POST", "/v1/apikeys", `{"appId":"openai","userId":"ann","apiKey":"` + liveKey + `","key":"x"}`, 400, "invalid_body", nil},
		{"oauth2 app", "POST", "/v1/apikeys", `{"appId":"google","userId":"ann","apiKey":"` + liveKey + `"}`, 400, "not_apikey_app", []string{"appId"}},
		{"unknown app", "POST", "/v1/apikeys", `{"appId":"nope","userId":"ann","apiKey":"` + liveKey + `"}`, 404, "not_found", nil},
		{"fetch unknown app", "POST", "/v1/apikeys/fetch", `{"appId":"nope","userId":"ann"}`, 404, "not_found", nil},
		{"fetch nothing stored", "POST", "/v1/apikeys/fetch", `{"appId":"openai","userId":"ann"}`, 404, "not_found", nil},
		{"fetch oauth2 app", "POST", "/v1/apikeys/fetch", `{"appId":"google","userId":"ann"}`, 400, "not_apikey_app", []string{"appId"}},
		{"list without owner", "GET", "/v1/apikeys", "", 400, "invalid_request", []string{"userId"}},
		{"delete without app", "DELETE", "/v1/apikeys?userId=ann", "", 400, "invalid_request", []string{"appId"}},
		{"delete unknown app", "DELETE", "/v1/apikeys?appId=nope&userId=ann", "", 404, "not_found", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.call(tt.method, tt.path, tt.body)
			if r.status != tt.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tt.status)
			}
			code, fields := r.errorFields(t)
			if code != tt.code || len(fields) != len(tt.fields) {
				t.Errorf("code %q fields %v, want %q with %v", code, fields, tt.code, tt.fields)
			}
			for _, f := range tt.fields {
				if msg, _ := fields[f].(string); msg == "" {
					t.Errorf("no message for %s in %s", f, r.body)
				}
			}
		})
	}
	a.noKeysStoredOrLogged(t)
}

// noKeysStoredOrLogged fails when a test key is in Redis in plain text or in the logs.
func (a *keyAPI) noKeysStoredOrLogged(t *testing.T) {
	t.Helper()
	for _, k := range []string{liveKey, nextKey, refusedKey} {
		if hits := storetest.Find(t, a.store, k); len(hits) > 0 {
			t.Errorf("a key is in Redis in plain text, in %v", hits)
		}
		if strings.Contains(a.logs.String(), k) {
			t.Errorf("a key is in the logs:\n%s", a.logs.String())
		}
	}
}

type keyLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *keyLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *keyLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func keyStr(s string) *string { return &s }
