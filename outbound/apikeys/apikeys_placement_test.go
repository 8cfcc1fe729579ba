package apikeys_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store/storetest"
)

// Upstreams that accept a key only where their documentation puts it: Klaviyo's
// "Authorization: Klaviyo-API-Key <key>", a "Token token=<key>" API, and Freshdesk's Basic auth
// with the key as user and X as password. The probe places the key by the app's settings, and the
// same settings place it on any other request (PlaceKey).
func TestKeyPlacementPrefixAndBasicPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	tests := []struct {
		name   string
		accept func(r *http.Request) bool
		adjust func(p *apps.ProbePatch)
	}{
		{"header prefix", func(r *http.Request) bool { return r.Header.Get("Authorization") == "Klaviyo-API-Key "+goodKey },
			func(p *apps.ProbePatch) {
				p.KeyIn, p.HeaderName, p.Prefix = placep(apps.KeyInHeader), strp("Authorization"), strp("Klaviyo-API-Key ")
			}},
		{"token= prefix", func(r *http.Request) bool { return r.Header.Get("Authorization") == "Token token="+goodKey },
			func(p *apps.ProbePatch) {
				p.KeyIn, p.HeaderName, p.Prefix = placep(apps.KeyInHeader), strp("Authorization"), strp("Token token=")
			}},
		{"basic with a fixed password", func(r *http.Request) bool { u, pw, ok := r.BasicAuth(); return ok && u == goodKey && pw == "X" },
			func(p *apps.ProbePatch) { p.KeyIn, p.BasicPassword = placep(apps.KeyInBasic), strp("X") }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tt.accept(r) {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			t.Cleanup(srv.Close)
			app := e.createKeyApp(t, "placed-"+string(rune('a'+i)), func(k *apps.APIKeyPatch) {
				k.BaseURL = strp(srv.URL)
				tt.adjust(k.Probe)
			})
			if err := e.keys.Probe(ctx, app, outbound.NewSecret(goodKey), nil); err != nil {
				t.Fatalf("the upstream refused the placed key: %v", err)
			}
			err := e.keys.Probe(ctx, app, outbound.NewSecret(otherKey), nil)
			if !errors.Is(err, apikeys.ErrKeyRejected) || strings.Contains(err.Error(), otherKey) {
				t.Fatalf("a wrong key: err = %v, want a rejection without the key", err)
			}
			// A proxied API call places the key the same way.
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/anything", nil)
			if err := app.APIKey.PlaceKey(req, goodKey, nil); err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("a request placed by PlaceKey got HTTP %d", resp.StatusCode)
			}
		})
	}
	e.noKeyLeaks(t, goodKey, otherKey)
}
