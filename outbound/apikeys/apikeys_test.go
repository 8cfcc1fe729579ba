package apikeys_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// Keys used across the API-key tests; each is searched for in Redis and in the logs.
const (
	goodKey  = "sk-good-0123456789abcdefghij"
	otherKey = "sk-next-9876543210zyxwvutsrq"
	badKey   = "sk-bad-00000000000000000000x"
)

var keysEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// keysEnv is what an API-key test works with.
type keysEnv struct {
	store    *store.Store
	keyring  *store.Keyring
	clock    *clock.Fake
	apps     *apps.Apps
	keys     *apikeys.APIKeys
	logs     *lockedBuffer
	provider *fakeKeyAPI
}

// keysSetup builds the registry and the API-key store on s, with a fake clock, logs captured at
// debug level, and a fake provider API that accepts goodKey and otherKey.
func keysSetup(t *testing.T, s *store.Store) *keysEnv {
	t.Helper()
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	env := &keysEnv{store: s, keyring: ring, clock: clock.NewFake(keysEpoch), logs: &lockedBuffer{}}
	env.provider = newFakeKeyAPI(t, goodKey, otherKey)
	env.apps, env.keys = env.open(t, ring)
	env.apps.OnDelete(env.keys.DeleteApp)
	return env
}

// open builds another Apps and APIKeys on the same store and clock, as a second instance (or a
// restart with another keyring) would.
func (e *keysEnv) open(t *testing.T, ring *store.Keyring) (*apps.Apps, *apikeys.APIKeys) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	registry, err := apps.NewApps(apps.Options{Store: e.store, Keyring: ring, Clock: e.clock, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return registry, apikeys.NewAPIKeys(registry)
}

// createKeyApp creates an apikey app named OpenAI whose probe hits the fake provider; patch
// adjusts it.
func (e *keysEnv) createKeyApp(t *testing.T, id string, adjust func(*apps.APIKeyPatch)) apps.App {
	t.Helper()
	k := &apps.APIKeyPatch{
		Label: strp("OpenAI API key"),
		FormatHint: &apps.FormatHintPatch{
			Prefix: strp("sk-"), Pattern: strp(`sk-[A-Za-z0-9_-]{20,}`), Example: strp("sk-proj-AbCdEf0123456789AbCdEf"),
		},
		BaseURL:        strp(e.provider.URL),
		Probe:          &apps.ProbePatch{Path: strp("/v1/models")},
		OverlapSeconds: intp(3600),
	}
	if adjust != nil {
		adjust(k)
	}
	app, err := e.apps.Create(context.Background(), apps.AppPatch{
		ID: strp(id), Kind: kindp(apps.KindAPIKey), Name: strp("OpenAI"), APIKey: k,
	})
	if err != nil {
		t.Fatalf("create app %s: %v", id, err)
	}
	return app
}

// noKeyLeaks fails the test when any of the keys is in Redis (any key name or value) or in the
// captured logs.
func (e *keysEnv) noKeyLeaks(t *testing.T, keys ...string) {
	t.Helper()
	logs := e.logs.String()
	for _, k := range keys {
		if hits := storetest.Find(t, e.store, k); len(hits) > 0 {
			t.Errorf("an API key is in Redis in plain text, in %v", hits)
		}
		if strings.Contains(logs, k) {
			t.Errorf("an API key is in the logs:\n%s", logs)
		}
	}
}

// fakeKeyAPI stands in for a provider's API: GET /v1/models answers 200 for a known key sent
// as a bearer token and 401 otherwise.
type fakeKeyAPI struct {
	*httptest.Server
	hits atomic.Int64
}

func newFakeKeyAPI(t *testing.T, valid ...string) *fakeKeyAPI {
	t.Helper()
	f := &fakeKeyAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		for _, v := range valid {
			if got == v && r.URL.Path == "/v1/models" {
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte(`{"data":[]}`))
				return
			}
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(f.Close)
	return f
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func strp(s string) *string                         { return &s }
func intp(n int) *int                               { return &n }
func kindp(k apps.Kind) *apps.Kind                  { return &k }
func placep(k apps.KeyPlacement) *apps.KeyPlacement { return &k }

var (
	ann  = outbound.Owner{UserID: "ann"}
	acme = outbound.Owner{TenantID: "acme"}
)

func TestAPIKeysStoreFetchListDelete(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)

		info, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(goodKey)})
		if err != nil {
			t.Fatal(err)
		}
		if info.Version != 1 || info.Last4 != "ghij" || info.HasPrevious || !info.CreatedAt.Equal(keysEpoch) || info.Owner != ann {
			t.Errorf("info = %+v", info)
		}

		got, err := e.keys.Fetch(ctx, ann, "openai")
		if err != nil {
			t.Fatal(err)
		}
		if got.APIKey.Reveal() != goodKey || got.Version != 1 || got.Previous != nil {
			t.Errorf("fetched version %d, previous %v", got.Version, got.Previous)
		}
		// A user's key is the user's, whichever tenant a request names as context.
		if _, err := e.keys.Fetch(ctx, outbound.Owner{UserID: "ann", TenantID: "acme"}, "openai"); err != nil {
			t.Errorf("fetch with tenant context: %v", err)
		}
		// The tenant has no key of its own.
		if _, err := e.keys.Fetch(ctx, acme, "openai"); !errors.Is(err, apikeys.ErrKeyNotFound) {
			t.Errorf("tenant fetch: err = %v, want ErrKeyNotFound", err)
		}

		list, err := e.keys.List(ctx, ann)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].AppID != "openai" || list[0].Last4 != "ghij" {
			t.Fatalf("list = %+v", list)
		}

		if _, found, err := e.keys.Check(ctx, ann, "openai"); err != nil || !found {
			t.Fatalf("check: found %v, err %v", found, err)
		}
		if err := e.keys.Delete(ctx, ann, "openai"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.keys.Fetch(ctx, ann, "openai"); !errors.Is(err, apikeys.ErrKeyNotFound) {
			t.Errorf("after delete: err = %v, want ErrKeyNotFound", err)
		}
		if list, _ := e.keys.List(ctx, ann); len(list) != 0 {
			t.Errorf("after delete: list = %+v", list)
		}
		if err := e.keys.Delete(ctx, ann, "openai"); err != nil {
			t.Errorf("deleting again: %v", err)
		}
		e.noKeyLeaks(t, goodKey)
	})
}

// Deleting an app deletes its keys only through a registry the store was registered with
// (keysSetup registers DeleteApp): building a store has no hidden effect on the registry.
func TestAPIKeysDeleteAppKeysOnlyWhereRegistered(t *testing.T) {
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	e.createKeyApp(t, "openai", nil)
	e.put(t, ann, goodKey, false)

	unhooked, _ := e.open(t, e.keyring) // another instance, its key store not registered
	if err := unhooked.Delete(ctx, "openai"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.keys.Fetch(ctx, ann, "openai"); err != nil {
		t.Fatalf("the key after deleting its app through a registry no key store hooked into: %v; want it kept", err)
	}
}

func TestAPIKeysRefuseBadRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	e.createKeyApp(t, "openai", nil)
	e.createKeyApp(t, "twilio", func(k *apps.APIKeyPatch) {
		k.Fields = &[]apps.ConnectionField{{Name: "accountSid", Label: "Account SID", Required: true, Pattern: `AC[0-9a-f]{4}`, Placeholder: "AC0123"}}
	})
	e.createKeyApp(t, "regional", func(k *apps.APIKeyPatch) {
		k.Fields = &[]apps.ConnectionField{{Name: "region", Label: "Region"}}
		k.Probe.Path = strp("/{region}/v1/models")
	})
	if _, err := e.apps.Create(ctx, apps.AppPatch{
		ID: strp("google"), Kind: kindp(apps.KindOAuth2), Name: strp("Google"), ClientID: strp("cid"),
		AuthorizationURL: strp("https://accounts.example.com/auth"), TokenURL: strp("https://accounts.example.com/token"),
	}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		req       apikeys.PutRequest
		field     string
		wantInMsg string
		wantErr   error
	}{
		{"no owner", apikeys.PutRequest{AppID: "openai", APIKey: outbound.NewSecret(goodKey)}, "userId", "userId or tenantId", nil},
		{"no app", apikeys.PutRequest{Owner: ann, APIKey: outbound.NewSecret(goodKey)}, "appId", "required", nil},
		{"empty key", apikeys.PutRequest{AppID: "openai", Owner: ann}, "apiKey", "The OpenAI API key is empty.", nil},
		{"wrong prefix", apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret("pk-0123456789012345678901")}, "apiKey", `should start with "sk-"`, nil},
		{"pasted with a space", apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(goodKey + " ")}, "apiKey", "spaces", nil},
		{"missing field", apikeys.PutRequest{AppID: "twilio", Owner: ann, APIKey: outbound.NewSecret(goodKey)}, "fields.accountSid", "Account SID", nil},
		{"bad field", apikeys.PutRequest{AppID: "twilio", Owner: ann, APIKey: outbound.NewSecret(goodKey), Fields: map[string]string{"accountSid": "XY"}}, "fields.accountSid", "for example AC0123", nil},
		{"unknown field", apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(goodKey), Fields: map[string]string{"region": "eu"}}, "fields.region", "unknown field", nil},
		{"field the check needs", apikeys.PutRequest{AppID: "regional", Owner: ann, APIKey: outbound.NewSecret(goodKey), Validate: true}, "fields.region", "enter the Region; the key is checked with it", nil},
		{"unknown app", apikeys.PutRequest{AppID: "nope", Owner: ann, APIKey: outbound.NewSecret(goodKey)}, "", "", apps.ErrAppNotFound},
		{"oauth2 app", apikeys.PutRequest{AppID: "google", Owner: ann, APIKey: outbound.NewSecret(goodKey)}, "", "", apikeys.ErrNotAPIKeyApp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.keys.Put(ctx, tt.req)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			var kre *outbound.InvalidError
			if !errors.As(err, &kre) || !errors.Is(err, apikeys.ErrInvalidKeyRequest) {
				t.Fatalf("err = %v, want an *outbound.InvalidError", err)
			}
			msg, ok := kre.Field(tt.field)
			if !ok || !strings.Contains(msg, tt.wantInMsg) {
				t.Errorf("%s: message %q (fields %+v), want it to contain %q", tt.field, msg, kre.Fields, tt.wantInMsg)
			}
		})
	}
	if list, _ := e.keys.List(ctx, ann); len(list) != 0 {
		t.Errorf("refused requests stored %+v", list)
	}
	e.noKeyLeaks(t, goodKey)
}

func TestAPIKeysStoreConcurrentRotationsInOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	e.createKeyApp(t, "openai", nil)
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := goodKey[:len(goodKey)-1] + string(rune('a'+i))
			_, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: acme, APIKey: outbound.NewSecret(key)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("put: %v", err)
		}
	}
	got, err := e.keys.Fetch(ctx, acme, "openai")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != writers || got.Previous == nil || got.Previous.Version != writers-1 {
		t.Errorf("after %d racing puts: version %d, previous %+v", writers, got.Version, got.Previous)
	}
}
