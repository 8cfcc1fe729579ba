package proxy

import (
	"context"
	"net/http"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store/storetest"
)

const apiKey = "sk-test-abcdefghijklmnopqrstuvwxyz"

// keyApp creates the apikey app "keys" with probe placement p on f's API, and stores alice's key.
func (f *fixture) keyApp(t *testing.T, id string, p apps.ProbePatch, bases []string, fields map[string]string) {
	t.Helper()
	ctx := context.Background()
	patch := apps.AppPatch{
		ID: ptr(id), Kind: ptr(apps.KindAPIKey), Name: ptr("Key API"),
		APIKey: &apps.APIKeyPatch{Label: ptr("Key"), BaseURL: ptr(f.api.URL), Probe: &p},
	}
	if bases != nil {
		patch.APIBaseURLs = &bases
	}
	var declared []apps.ConnectionField
	for name := range fields {
		declared = append(declared, apps.ConnectionField{Name: name, Label: name, Required: true})
	}
	if declared != nil {
		patch.APIKey.Fields = &declared
	}
	if _, err := f.apps.Create(ctx, patch); err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
	if _, err := f.keys.Put(ctx, apikeys.PutRequest{AppID: id, Owner: alice, APIKey: outbound.NewSecret(apiKey), Fields: fields}); err != nil {
		t.Fatalf("store key: %v", err)
	}
}

// The key goes where the app's probe puts it, and nowhere else.
func TestAPIKeyIsPlacedAsTheProbeSays(t *testing.T) {
	t.Parallel()
	var last *http.Request
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { last = r }))
	cases := []struct {
		id    string
		probe apps.ProbePatch
		check func(r *http.Request) bool
	}{
		{"bearer", apps.ProbePatch{Path: ptr("/me")}, func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+apiKey }},
		{"header", apps.ProbePatch{Path: ptr("/me"), KeyIn: ptr(apps.KeyInHeader), HeaderName: ptr("X-Api-Key")}, func(r *http.Request) bool {
			return r.Header.Get("X-Api-Key") == apiKey && r.Header.Get("Authorization") == ""
		}},
		{"query", apps.ProbePatch{Path: ptr("/me"), KeyIn: ptr(apps.KeyInQuery), QueryParam: ptr("api_key")}, func(r *http.Request) bool {
			return r.URL.Query().Get("api_key") == apiKey && r.URL.Query().Get("page") == "2"
		}},
		{"basic", apps.ProbePatch{Path: ptr("/me"), KeyIn: ptr(apps.KeyInBasic), BasicUsername: ptr("api")}, func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == "api" && p == apiKey
		}},
		{"prefixed", apps.ProbePatch{Path: ptr("/me"), KeyIn: ptr(apps.KeyInHeader), HeaderName: ptr("Authorization"), Prefix: ptr("Token token=")}, func(r *http.Request) bool {
			return r.Header.Get("Authorization") == "Token token="+apiKey
		}},
		{"keyuser", apps.ProbePatch{Path: ptr("/me"), KeyIn: ptr(apps.KeyInBasic), BasicPassword: ptr("X")}, func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == apiKey && p == "X"
		}},
	}
	for _, c := range cases {
		f.keyApp(t, c.id, c.probe, nil, nil)
		resp, err := f.proxy.Client(Target{AppID: c.id, UserID: "alice"}).Get(f.api.URL + "/v1/items?page=2")
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		resp.Body.Close()
		if last == nil || !c.check(last) {
			t.Errorf("%s: the API did not receive the key as placed: %v %v", c.id, last.Header, last.URL)
		}
		if hits := storetest.Find(t, f.s, apiKey); len(hits) > 0 {
			t.Errorf("%s: the key is in plain text in Redis: %v", c.id, hits)
		}
	}
}
