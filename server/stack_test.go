package server_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	apikeyaction "github.com/outflowhq/outflow/actions/apikey"
	"github.com/outflowhq/outflow/actions/core"
	oauthaction "github.com/outflowhq/outflow/actions/oauth"
	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
)

// stackOptions are what the libraries behind the test servers differ in. The zero value is a
// store of its own, the system clock, a logger that discards, and no apps or flows.
type stackOptions struct {
	store *store.Store
	clock clock.Clock
	log   *slog.Logger
	// publicURL is the apps registry's public URL; with allowedRedirects, it is where flows may
	// send the browser when they end. Consents go only where their app allows.
	publicURL        string
	allowedRedirects []string
	// metrics, when set, observes the engine, the vault and the proxy.
	metrics *server.Metrics
	// maxRetryWait is the proxy's (default its own).
	maxRetryWait time.Duration
	apps         []apps.AppPatch
	// flows are loaded by file name, with the core, OAuth and API-key kinds.
	flows map[string]string
}

// stack is the library a test server serves: the app registry, the vault, the API-key store and
// the proxy wired as `outflow serve` wires them, and an engine running the flows.
type stack struct {
	store  *store.Store
	apps   *apps.Apps
	vault  *oauth.Vault
	keys   *apikeys.APIKeys
	proxy  *proxy.Proxy
	reg    *actions.Registry
	engine *engine.Engine
}

// newStack builds a stack, failing the test on any error.
func newStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	s := &stack{}
	s.store, s.apps = setup(t, apps.Options{Store: o.store, Clock: o.clock, PublicURL: o.publicURL, Logger: o.log})
	ctx := context.Background()
	for _, p := range o.apps {
		if _, err := s.apps.Create(ctx, p); err != nil {
			t.Fatalf("create app: %v", err)
		}
	}
	redirects := server.RedirectPolicy(o.publicURL, o.allowedRedirects)
	vo := oauth.VaultOptions{}
	po := proxy.Options{Logger: o.log, MaxRetryWait: o.maxRetryWait}
	eo := engine.Options{Store: s.store, Clock: o.clock, Logger: o.log, RedirectAllowed: redirects}
	if o.metrics != nil {
		vo.Observer, po.Observer, eo.Observer = o.metrics, o.metrics, o.metrics
	}
	var err error
	if s.vault, err = oauth.NewVault(s.apps, vo); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.vault.Close() })
	s.keys = apikeys.NewAPIKeys(s.apps)
	s.apps.OnDelete(s.vault.DeleteAppConnections)
	s.apps.OnDelete(s.keys.DeleteApp)
	po.Apps, po.Vault, po.APIKeys = s.apps, s.vault, s.keys
	if s.proxy, err = proxy.New(po); err != nil {
		t.Fatal(err)
	}
	s.reg = actions.NewRegistry()
	if err := core.Register(s.reg); err != nil {
		t.Fatal(err)
	}
	if err := s.reg.Add(append(oauthaction.Kinds(s.vault), apikeyaction.Kinds(s.keys)...)...); err != nil {
		t.Fatal(err)
	}
	eo.Registry = s.reg
	if s.engine, err = engine.New(eo); err != nil {
		t.Fatal(err)
	}
	for name, src := range o.flows {
		f, err := flows.NewLoader(s.reg).Load(name, []byte(src))
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		if err := s.engine.AddFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// options returns server.Options that serve the whole stack, with key as the management key.
func (s *stack) options(key string) server.Options {
	return server.Options{Engine: s.engine, Store: s.store, Apps: s.apps, Vault: s.vault, APIKeys: s.keys, Proxy: s.proxy,
		ManagementKeys: []string{key}}
}
