package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/worker"
)

func ptr[T any](v T) *T { return &v }

// fixture is a store with apps, a vault, API keys and webhooks on it, and a token endpoint that
// counts refreshes.
type fixture struct {
	st        *store.Store
	ring      *store.Keyring
	apps      *apps.Apps
	vault     *oauth.Vault
	keys      *apikeys.APIKeys
	hooks     *webhooks.Webhooks
	provider  *httptest.Server
	refreshes atomic.Int64
	// perToken counts refreshes and in-flight refreshes per refresh token (one per connection).
	mu       sync.Mutex
	perToken map[string]int
	inflight map[string]int
	overlap  atomic.Bool
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func setup(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	f := &fixture{st: st, perToken: map[string]int{}, inflight: map[string]int{}}
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	f.ring = ring
	f.provider = httptest.NewServer(http.HandlerFunc(f.token))
	t.Cleanup(f.provider.Close)
	f.apps, err = apps.NewApps(apps.Options{Store: st, Keyring: ring, Logger: quiet(), PublicURL: "https://auth.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if f.vault, err = oauth.NewVault(f.apps, oauth.VaultOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.vault.Close() })
	f.keys = apikeys.NewAPIKeys(f.apps)
	f.hooks, err = webhooks.New(webhooks.Options{Store: st, Keyring: ring, Logger: quiet(),
		Egress:        webhooks.Egress{AllowHTTPLoopback: true},
		RetrySchedule: []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// token answers refresh grants with a fresh token valid for an hour.
func (f *fixture) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	rt := r.Form.Get("refresh_token")
	if r.Form.Get("grant_type") == "refresh_token" {
		f.refreshes.Add(1)
		f.mu.Lock()
		f.perToken[rt]++
		if f.inflight[rt]++; f.inflight[rt] > 1 {
			f.overlap.Store(true)
		}
		f.mu.Unlock()
		defer func() { f.mu.Lock(); f.inflight[rt]--; f.mu.Unlock() }()
	}
	time.Sleep(2 * time.Millisecond)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + r.Form.Get("refresh_token"), "refresh_token": r.Form.Get("refresh_token"), "expires_in": 3600, "token_type": "Bearer"})
}

func (f *fixture) oauthApp(t *testing.T, id string) {
	t.Helper()
	_, err := f.apps.Create(context.Background(), apps.AppPatch{ID: ptr(id), Kind: ptr(apps.KindOAuth2), Name: ptr("CRM"),
		ClientID: ptr("client"), ClientSecret: ptr(outbound.NewSecret("client-secret")),
		AuthorizationURL: ptr("https://crm.example.com/authorize"), TokenURL: ptr(f.provider.URL + "/token")})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) worker(t *testing.T, cfg worker.Config) *worker.Worker {
	t.Helper()
	cfg.Store, cfg.Apps = f.st, f.apps
	if cfg.Poll == 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	cfg.Logger = quiet()
	w, err := worker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs workers until the test ends and waits for them to stop.
func run(t *testing.T, ws ...*worker.Worker) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			if err := w.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	stop := func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// receiver is a webhook endpoint that records what it gets; it answers fail times with 503 first.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	fail atomic.Int64
}

type received struct {
	header http.Header
	body   []byte
	event  events.Event
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if rc.fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev events.Event
		_ = json.Unmarshal(body, &ev)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: body, event: ev})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func (rc *receiver) ofType(typ events.Type) []received {
	var out []received
	for _, r := range rc.all() {
		if r.event.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func mustApps(t testing.TB, st *store.Store, ring *store.Keyring) *apps.Apps {
	a, err := apps.NewApps(apps.Options{Store: st, Keyring: ring, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
