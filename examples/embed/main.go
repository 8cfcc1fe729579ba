// Command embed is an auth server that embeds Outflow: it builds the outbound-app registry, the
// token vault, the API-key store and the request proxy on one store and keyring, an action registry
// with the built-in kinds backed by them plus its own `risk.score`, loads its flows, and mounts
// Outflow's HTTP handler under /outflow/ beside its own routes, with its public URL ending in
// /outflow (PUBLIC_URL, default http://localhost:8081/outflow). Run it with
// `go run ./examples/embed`.
package main

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/builtin"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/examples/embed/risk"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
)

// flowFiles are the host's flows, built into the binary so it runs from any folder.
//
//go:embed flows
var flowFiles embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	// State lives in Redis; "" runs the embedded in-memory one.
	st, err := store.Open(ctx, store.Options{URL: os.Getenv("REDIS_URL")})
	if err != nil {
		return err
	}
	defer st.Close()

	// Outflow's links, redirects, forms, OAuth callbacks and cookie live under the path of its
	// public URL, where the host mounts it.
	publicURL := os.Getenv("PUBLIC_URL")
	if publicURL == "" {
		publicURL = "http://localhost:8081/outflow"
	}
	keyring, err := openKeyring(st, os.Getenv("OUTFLOW_KEYS"))
	if err != nil {
		return err
	}
	o, err := build(st, keyring, publicURL, slog.Default())
	if err != nil {
		return err
	}
	defer o.close()
	if err := o.addFlows(ctx); err != nil {
		return err
	}
	mux, err := o.mux(os.Getenv("MANAGEMENT_KEY"))
	if err != nil {
		return err
	}
	slog.Info("listening on :8081; Outflow is mounted under /outflow/", "publicURL", publicURL)
	srv := &http.Server{Addr: ":8081", Handler: mux}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// openKeyring reads the keys that seal client secrets, tokens and API keys (as `outflow keys
// generate` prints them). Only the embedded store, which forgets everything when the process
// ends, may do with a key made for this process.
func openKeyring(st *store.Store, keys string) (*store.Keyring, error) {
	if strings.TrimSpace(keys) != "" {
		return store.ParseKeyring(keys)
	}
	if !st.Embedded() {
		return nil, errors.New("set OUTFLOW_KEYS: secrets in a real Redis must be sealed with keys that outlive the process")
	}
	return store.EphemeralKeyring()
}

// outflow is what the host builds from Outflow's packages.
type outflow struct {
	store     *store.Store
	publicURL string
	apps      *apps.Apps
	vault     *oauth.Vault
	keys      *apikeys.APIKeys
	proxy     *proxy.Proxy
	registry  *actions.Registry
	engine    *engine.Engine
	log       *slog.Logger
}

// build wires Outflow on st: the app registry, the vault, the key store and the proxy share the
// store and keyring; the built-in kinds get them through builtin.Deps, beside the host's own
// kind; the engine and the vault send browsers only to the public URL's origin.
func build(st *store.Store, keyring *store.Keyring, publicURL string, log *slog.Logger) (*outflow, error) {
	o := &outflow{store: st, publicURL: publicURL, log: log}
	var err error
	// The same public URL as the server's: OAuth callbacks are <publicURL>/v1/oauth/callback/<app>.
	if o.apps, err = apps.NewApps(apps.Options{Store: st, Keyring: keyring, PublicURL: publicURL, Logger: log}); err != nil {
		return nil, err
	}
	redirects := server.RedirectPolicy(publicURL, nil)
	if o.vault, err = oauth.NewVault(o.apps, oauth.VaultOptions{RedirectAllowed: redirects}); err != nil {
		return nil, err
	}
	o.keys = apikeys.NewAPIKeys(o.apps)
	// Deleting an app deletes its connections (revoked at the provider first) and its keys.
	o.apps.OnDelete(o.vault.DeleteAppConnections)
	o.apps.OnDelete(o.keys.DeleteApp)
	if o.proxy, err = proxy.New(proxy.Options{Apps: o.apps, Vault: o.vault, APIKeys: o.keys, Logger: log}); err != nil {
		return nil, err
	}
	o.registry = actions.NewRegistry()
	if err := builtin.Register(o.registry, builtin.Deps{Vault: o.vault, APIKeys: o.keys, Proxy: o.proxy}); err != nil {
		return nil, err
	}
	if err := o.registry.Add(risk.Kind()); err != nil {
		return nil, err
	}
	// Without RedirectAllowed, no flow's end step could send the browser anywhere.
	o.engine, err = engine.New(engine.Options{Store: st, Registry: o.registry, RedirectAllowed: redirects, Logger: log})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// addFlows loads the host's flows and makes them current.
func (o *outflow) addFlows(ctx context.Context) error {
	dir, err := fs.Sub(flowFiles, "flows")
	if err != nil {
		return err
	}
	loaded, err := flows.NewLoader(o.registry).LoadFS(dir)
	if err != nil {
		return err // every problem in every file, as file:line:col
	}
	for _, f := range loaded {
		if err := o.engine.AddFlow(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// mux is the host's router: its own routes, and Outflow's handler under /outflow/ with PublicURL
// saying so (publicURL ends in /outflow). Without a management key, the management routes are
// closed.
func (o *outflow) mux(managementKey string) (*http.ServeMux, error) {
	var keys []string
	if managementKey != "" {
		keys = []string{managementKey}
	}
	outflow, err := server.New(server.Options{
		Engine: o.engine, Store: o.store, Apps: o.apps, Vault: o.vault, APIKeys: o.keys, Proxy: o.proxy,
		ManagementKeys: keys, PublicURL: o.publicURL, Logger: o.log,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("the host's own login page\n"))
	})
	mux.Handle("/outflow/", http.StripPrefix("/outflow", outflow))
	return mux, nil
}

// close stops the vault's background work; the store is the caller's.
func (o *outflow) close() { _ = o.vault.Close() }
