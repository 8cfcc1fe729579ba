package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/builtin"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
)

// registry returns a registry with every built-in kind. With deps nil the outbound kinds are still
// registered (so flows that use them validate) but cannot run.
func registry(deps *builtin.Deps) (*actions.Registry, error) {
	reg := actions.NewRegistry()
	d := builtin.Deps{}
	if deps != nil {
		d = *deps
	}
	if err := builtin.Register(reg, d); err != nil {
		return nil, err
	}
	return reg, nil
}

// backend is everything a running Outflow holds: Redis, the keyring, the outbound services and the
// engine.
type backend struct {
	store    *store.Store
	keyring  *store.Keyring
	apps     *apps.Apps
	vault    *oauth.Vault
	apikeys  *apikeys.APIKeys
	proxy    *proxy.Proxy
	registry *actions.Registry
	engine   *engine.Engine
	webhooks *webhooks.Webhooks
}

type backendConfig struct {
	redisURL  string
	prefix    string
	keys      string
	publicURL string
	log       *slog.Logger
	// pingTimeout bounds the first PING to Redis (Env.RedisPingTimeout).
	pingTimeout time.Duration
	// tracerProvider makes spans of Redis calls, provider calls and transitions (nil: none).
	tracerProvider trace.TracerProvider
	// Set by serve: metrics observers and the redirect policy.
	engineObserver  engine.Observer
	vaultObserver   oauth.Observer
	proxyObserver   proxy.Observer
	redirectAllowed func(string) bool
	// egress are the webhook egress rules (--webhooks-allow-http-loopback, --webhooks-allow-networks).
	egress webhooks.Egress
	// finishedRetention is how long finished executions are kept (--finished-retention; 0: the
	// engine's default).
	finishedRetention time.Duration
}

// errNoKeys explains how to configure sealing keys.
var errNoKeys = errors.New("no sealing key: set OUTFLOW_KEYS (or --keys) to a keyring such as the output of `outflow keys generate`; " +
	"secrets in a real Redis must survive restarts, so Outflow will not invent a key for you")

// openBackend opens Redis and the keyring, and wires the services and the engine on them.
func openBackend(ctx context.Context, cfg backendConfig) (*backend, error) {
	b, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := b.wire(cfg); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// openStore opens Redis and the sealing keyring, and checks that the keyring opens what Redis
// holds (a key with a known id and other bytes would make stored secrets unreadable and seal new
// ones the original key cannot open): what must be there before serve listens. wire does the
// rest, once the public URL is known.
func openStore(ctx context.Context, cfg backendConfig) (*backend, error) {
	st, err := store.Open(ctx, store.Options{URL: cfg.redisURL, Prefix: cfg.prefix, Logger: cfg.log, PingTimeout: cfg.pingTimeout,
		TracerProvider: cfg.tracerProvider})
	if err != nil {
		return nil, err
	}
	b := &backend{store: st}
	if err := b.openKeyring(cfg); err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := st.CheckKeyring(ctx, b.keyring); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("the sealing keyring (OUTFLOW_KEYS) does not match what Redis holds: %w", err)
	}
	return b, nil
}

// offerEmbedded adds to the error of a Redis that does not answer how serve runs without one.
func offerEmbedded(err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return fmt.Errorf("%w; to try Outflow without a Redis of your own, omit --redis and unset REDIS_URL: serve then runs an embedded in-memory one", err)
	}
	return err
}

func (b *backend) openKeyring(cfg backendConfig) error {
	var err error
	switch {
	case strings.TrimSpace(cfg.keys) != "":
		if b.keyring, err = store.ParseKeyring(cfg.keys); err != nil {
			return fmt.Errorf("OUTFLOW_KEYS: %w", err)
		}
	case b.store.Embedded():
		if b.keyring, err = store.EphemeralKeyring(); err != nil {
			return err
		}
		cfg.log.Warn("no OUTFLOW_KEYS set: sealing secrets with a throwaway key generated for this process; " +
			"fine for the embedded in-memory Redis, never for a real one (run `outflow keys generate`)")
	default:
		return errNoKeys
	}
	return nil
}

// wire builds the app registry, the token vault, the API-key store, the registry and the engine
// on the store and keyring of b.
func (b *backend) wire(cfg backendConfig) error {
	var err error
	opts := apps.Options{Store: b.store, Keyring: b.keyring, PublicURL: cfg.publicURL, Logger: cfg.log, TracerProvider: cfg.tracerProvider}
	if b.apps, err = apps.NewApps(opts); err != nil {
		return err
	}
	if b.vault, err = oauth.NewVault(b.apps, oauth.VaultOptions{Observer: cfg.vaultObserver, RedirectAllowed: cfg.redirectAllowed}); err != nil {
		return err
	}
	b.apikeys = apikeys.NewAPIKeys(b.apps)
	// Deleting an app deletes its connections (revoked at the provider first) and its keys.
	b.apps.OnDelete(b.vault.DeleteAppConnections)
	b.apps.OnDelete(b.apikeys.DeleteApp)
	// Removing a tenant's client marks the connections it minted needs_reauth; the settings
	// revisions connections still use are kept.
	b.apps.OnTenantRemoval(b.vault.TenantRemoved)
	b.apps.TenantRevisionsInUse(b.vault.TenantRevisionsInUse)
	if b.proxy, err = proxy.New(proxy.Options{Apps: b.apps, Vault: b.vault, APIKeys: b.apikeys, Observer: cfg.proxyObserver, Logger: cfg.log}); err != nil {
		return err
	}
	if b.registry, err = registry(&builtin.Deps{Vault: b.vault, APIKeys: b.apikeys, Proxy: b.proxy}); err != nil {
		return err
	}
	b.engine, err = engine.New(engine.Options{Store: b.store, Registry: b.registry, Logger: cfg.log,
		Observer: cfg.engineObserver, RedirectAllowed: cfg.redirectAllowed, PublishEvents: true,
		FinishedRetention: cfg.finishedRetention, TracerProvider: cfg.tracerProvider})
	if err != nil {
		return err
	}
	b.webhooks, err = webhooks.New(webhooks.Options{Store: b.store, Keyring: b.keyring, Egress: cfg.egress, Logger: cfg.log})
	return err
}

func (b *backend) close() {
	if b.vault != nil {
		_ = b.vault.Close()
	}
	_ = b.store.Close()
}
