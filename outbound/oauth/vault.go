package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// Vault is the OAuth token vault: it starts consent (Connect), finishes it (HandleCallback),
// keeps every grant sealed in Redis, hands out fresh access tokens (Fetch) refreshing them
// safely across any number of processes, revokes them at the provider on disconnect, imports
// tokens obtained elsewhere, and reports each connection's health. It is safe for concurrent use.
// Close it when done: it stops the background retry of token pairs Redis did not take.
//
// Layout in Redis: all connections of one owner (a user or a tenant) for one app live in one
// versioned record, Keys.Tokens(ownerKind, ownerID, appID), so a fetch is one round trip and
// every change is a compare-and-set; the owner's index (Keys.SubjectIndex) lists those records,
// Keys.AppSubjects(appID) lists the owners of an app, and Keys.Connection(id) points from a
// connection id to its record.
type Vault struct {
	apps   appSource
	opts   apps.Options
	vo     VaultOptions
	store  *store.Store
	keys   store.Keys
	clock  clock.Clock
	log    *slog.Logger
	flight singleflight.Group
	// client makes every call to a provider; it never follows a redirect.
	client *http.Client

	decoded decodedCache
	// unwritten holds the token pairs the provider issued that Redis has not taken yet.
	unwritten unwrittenSets

	confMu sync.Mutex
	confs  map[string]*providerConf
	disco  discoveryCache
	// used remembers when this process last marked each connection as used (see markUsed).
	used sync.Map
}

// appSource is what the vault needs of the app registry (*Apps).
type appSource interface {
	Get(ctx context.Context, id string) (apps.App, error)
	ForTenant(ctx context.Context, app apps.App, tenantID string) (apps.App, apps.TenantClient, error)
	ForTenantRevision(ctx context.Context, app apps.App, tenantID string, rev int64) (apps.App, error)
}

// NewVault returns the vault of the apps in registry, sharing their Options (store, keyring, HTTP
// client, clock, logger), or an error wrapping ErrInvalidVaultOptions that names the option at
// fault. It leaves the registry as it is: to have deleting an app delete its connections
// (revoking them at the provider first), register the vault with
// registry.OnDelete(vault.DeleteAppConnections).
func NewVault(registry *apps.Apps, opts VaultOptions) (*Vault, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return newVault(registry, registry.Options(), opts), nil
}

// DeleteAppConnections disconnects every connection of an OAuth app that is being deleted
// (revoking them at the provider) and drops the app's owner index; it is meant for
// apps.Apps.OnDelete. Apps of other kinds, and apps already gone, are left alone: their own
// store, which shares that index, cleans up after them. It is idempotent.
func (v *Vault) DeleteAppConnections(ctx context.Context, appID string) error {
	app, err := v.apps.Get(ctx, appID)
	if errors.Is(err, apps.ErrAppNotFound) || (err == nil && app.Kind != apps.KindOAuth2) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := v.Disconnect(ctx, DisconnectRequest{AppID: appID}); err != nil {
		return err
	}
	return v.store.Delete(ctx, v.keys.AppSubjects(appID))
}

func newVault(source appSource, opts apps.Options, vo VaultOptions) *Vault {
	v := &Vault{
		apps:   source,
		opts:   opts,
		vo:     vo.withDefaults(),
		store:  opts.Store,
		keys:   opts.Store.Keys(),
		clock:  opts.ClockOrDefault(),
		log:    opts.LoggerOrDefault(),
		client: opts.ProviderClient(),
		confs:  map[string]*providerConf{},
	}
	v.unwritten.ctx, v.unwritten.cancel = context.WithCancel(context.Background())
	v.unwritten.loop, v.unwritten.wait = v.retryUnwritten, clock.System().Sleep
	return v
}

// oauthApp returns an OAuth app by id, or an error wrapping ErrAppNotFound or ErrNotOAuthApp.
func (v *Vault) oauthApp(ctx context.Context, id string) (apps.App, error) {
	app, err := v.apps.Get(ctx, id)
	if err != nil {
		return apps.App{}, err
	}
	if app.Kind != apps.KindOAuth2 {
		return apps.App{}, &NotOAuthAppError{AppID: id}
	}
	return app, nil
}

// ErrNotOAuthApp matches a *NotOAuthAppError.
var ErrNotOAuthApp = errors.New("oauth: not an OAuth app")

// NotOAuthAppError: OAuth connections were asked of an app of another kind (an API-key app).
type NotOAuthAppError struct{ AppID string }

func (e *NotOAuthAppError) Error() string {
	return "oauth: app " + e.AppID + " is not an oauth2 app; use the API-key vault for it"
}

// Is makes errors.Is(err, ErrNotOAuthApp) true.
func (e *NotOAuthAppError) Is(target error) bool { return target == ErrNotOAuthApp }

func (v *Vault) now() time.Time { return v.clock.Now().UTC() }

// App returns an OAuth app by id (from the registry's cache), for flow actions that show it:
// ErrAppNotFound or a *NotOAuthAppError when there is none.
func (v *Vault) App(ctx context.Context, id string) (apps.App, error) { return v.oauthApp(ctx, id) }
