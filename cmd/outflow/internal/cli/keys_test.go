package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// sealedValue matches a sealed value wherever it sits (a whole value, or a field of a JSON record).
var sealedValue = regexp.MustCompile(`of1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+`)

// sealedValues returns every sealed secret stored under the store's prefix: not the keyring's
// check values, each sealed with its own key id and holding no secret.
func sealedValues(t *testing.T, s *store.Store) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	checks := strings.TrimSuffix(s.Keys().KeyCheck("x"), "x")
	for _, key := range storetest.Find(t, s, "of1.") {
		if strings.HasPrefix(key, checks) {
			continue
		}
		var vals []string
		switch typ, _ := s.Client().Type(ctx, key).Result(); typ {
		case "string":
			v, err := s.Client().Get(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, v)
		case "hash":
			m, err := s.Client().HGetAll(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range m {
				vals = append(vals, v)
			}
		default:
			t.Fatalf("key %s of type %s holds a sealed value", key, typ)
		}
		for _, v := range vals {
			out = append(out, sealedValue.FindAllString(v, -1)...)
		}
	}
	return out
}

// hooksOn returns the webhooks of a process whose keyring is spec.
func hooksOn(t *testing.T, s *store.Store, spec string) *webhooks.Webhooks {
	t.Helper()
	ring, err := store.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := webhooks.New(webhooks.Options{Store: s, Keyring: ring})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// outboundOn returns the app registry, token vault and API-key store of a process whose keyring
// is spec.
func outboundOn(t *testing.T, s *store.Store, spec string) (*apps.Apps, *oauth.Vault, *apikeys.APIKeys) {
	t.Helper()
	kr, err := store.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	registry, err := apps.NewApps(apps.Options{Store: s, Keyring: kr, PublicURL: "https://auth.example.com", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	vault, err := oauth.NewVault(registry, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	keys := apikeys.NewAPIKeys(registry)
	registry.OnDelete(vault.DeleteAppConnections)
	registry.OnDelete(keys.DeleteApp)
	return registry, vault, keys
}

// `outflow keys rotate` against a real Redis: an app's client secret, a connection's tokens, a
// consent in progress and an API key, all sealed under the old key, end up under the new one,
// and open with the new key alone.
func TestKeysRotateReSealsEverySecret(t *testing.T) {
	s := storetest.Real(t) // skips without a real Redis, or fails when one is required
	ctx := context.Background()
	oldKey, err := store.GenerateKey("old")
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := store.GenerateKey("new")
	if err != nil {
		t.Fatal(err)
	}
	// The provider refuses every code: completing the pending consent only has to show that its
	// state still opens.
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
	}))
	t.Cleanup(provider.Close)

	const (
		clientSecret = "crm-client-secret-before-rotation"
		accessToken  = "AT-imported-before-rotation"
		refreshToken = "RT-imported-before-rotation"
		apiKey       = "sk-stored-before-rotation-0123456789"
	)
	alice, bob := outbound.Owner{UserID: "alice"}, outbound.Owner{UserID: "bob"}
	str := func(s string) *string { return &s }
	oauth2, apikey := apps.KindOAuth2, apps.KindAPIKey
	secret := outbound.NewSecret(clientSecret)
	registry, vault, keys := outboundOn(t, s, oldKey)
	if _, err := registry.Create(ctx, apps.AppPatch{ID: str("crm"), Kind: &oauth2, Name: str("CRM"),
		ClientID: str("crm-client"), ClientSecret: &secret,
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str(provider.URL + "/token")}); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.Create(ctx, apps.AppPatch{ID: str("ai"), Kind: &apikey, Name: str("AI"),
		APIKey: &apps.APIKeyPatch{Label: str("API key")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: alice, AccessToken: accessToken,
		RefreshToken: refreshToken, ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	pending, err := vault.Connect(ctx, oauth.ConnectRequest{AppID: "crm", Owner: bob})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Put(ctx, apikeys.PutRequest{AppID: "ai", Owner: alice, APIKey: outbound.NewSecret(apiKey)}); err != nil {
		t.Fatal(err)
	}
	oldHooks := hooksOn(t, s, oldKey)
	hookURL := "https://hooks.example.com/in"
	hook, _, err := oldHooks.Create(ctx, webhooks.EndpointInput{URL: &hookURL})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := oldHooks.RotateSecret(ctx, hook.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n := len(sealedValues(t, s)); n != 7 {
		t.Fatalf("%d sealed values before the rotation, want 7: the client secret, two tokens, the consent, the API key and a webhook's two signing secrets", n)
	}

	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"keys", "rotate", "--redis", os.Getenv(storetest.EnvRedisURL), "--prefix", s.Keys().Prefix(),
		"--keys", newKey + "," + oldKey}, Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code != 0 || !strings.Contains(stdout.String(), "every secret is sealed under key new") {
		t.Fatalf("keys rotate exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}

	kr, _ := store.ParseKeyring(newKey)
	sealed := sealedValues(t, s)
	if len(sealed) != 7 {
		t.Errorf("%d sealed values after the rotation, want 7", len(sealed))
	}
	for _, v := range sealed {
		if id, err := kr.KeyIDOf(v); err != nil || id != "new" {
			t.Errorf("a value is sealed under key %q (%v) after the rotation, want new", id, err)
		}
	}
	for _, plain := range []string{clientSecret, accessToken, refreshToken, apiKey} {
		if hits := storetest.Find(t, s, plain); len(hits) > 0 {
			t.Errorf("a secret is in Redis in plain text: %v", hits)
		}
	}

	registry, vault, keys = outboundOn(t, s, newKey)
	if _, _, err := hooksOn(t, s, newKey).RotateSecret(ctx, hook.ID, 0); err != nil {
		t.Errorf("the webhook's signing secret with the new key alone: %v", err)
	}
	if app, err := registry.Get(ctx, "crm"); err != nil || app.ClientSecret.Reveal() != clientSecret {
		t.Errorf("the app's client secret with the new key alone: %v", err)
	}
	if tok, _, err := vault.Fetch(ctx, oauth.FetchRequest{AppID: "crm", Owner: alice, WithRefreshToken: true}); err != nil ||
		tok.AccessToken != accessToken || tok.RefreshToken != refreshToken {
		t.Errorf("the connection's tokens with the new key alone: %v", err)
	}
	if k, err := keys.Fetch(ctx, alice, "ai"); err != nil || k.APIKey.Reveal() != apiKey {
		t.Errorf("the API key with the new key alone: %v", err)
	}
	u, _ := url.Parse(pending.URL)
	res, err := vault.HandleCallback(ctx, "crm", url.Values{"state": {u.Query().Get("state")}, "code": {"c1"}}, "")
	if err != nil || res.ErrorCode != "exchange_failed" {
		t.Errorf("the consent in progress with the new key alone: %+v %v; want its state to open (and the provider to refuse the code)", res, err)
	}
}
