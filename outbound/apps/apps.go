package apps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// Errors of the app registry; match them with errors.Is.
var (
	// ErrAppNotFound means no app has the id.
	ErrAppNotFound = errors.New("apps: app not found")
	// ErrAppExists means a create named an id that is taken.
	ErrAppExists = errors.New("apps: an app with this id already exists")
	// ErrTemplateNotFound means the catalog has no template with the id.
	ErrTemplateNotFound = errors.New("apps: template not found")
)

// appCacheTTL bounds how long an app read from Redis is served from memory.
const appCacheTTL = 5 * time.Second

// Apps is the app registry: outbound apps kept in Redis, one versioned record per app, with the
// client secret sealed by the Keyring and bound to its record, plus a set of all app ids.
//
// Get and List serve from a small in-process cache whose entries live at most 5 seconds, so hot
// paths (a token fetch reads its app's refresh policy) cost no Redis round trip when warm. Writes
// through this Apps invalidate its cache at once; other instances on the same Redis see a change
// within 5 seconds.
//
// Apps is safe for concurrent use.
type Apps struct {
	opts  Options
	cache *appCache

	mu       sync.Mutex
	onDelete []func(ctx context.Context, appID string) error
	tenants  tenantHooks
}

// NewApps returns the registry. Options.Store and Options.Keyring are required; a nil
// Options.Catalog loads the embedded catalog.
func NewApps(opts Options) (*Apps, error) {
	if opts.Store == nil {
		return nil, errors.New("apps: new apps: Options.Store is required")
	}
	if opts.Keyring == nil {
		return nil, errors.New("apps: new apps: Options.Keyring is required")
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(opts.PublicURL, "?") || strings.HasSuffix(opts.PublicURL, "#") {
			return nil, fmt.Errorf("apps: new apps: Options.PublicURL must be an absolute http(s) URL without credentials, query or fragment, got %q", opts.PublicURL)
		}
	}
	if opts.Catalog == nil {
		c, err := LoadCatalog()
		if err != nil {
			return nil, fmt.Errorf("apps: new apps: %w", err)
		}
		opts.Catalog = c
	}
	return &Apps{opts: opts, cache: newAppCache(opts.ClockOrDefault(), appCacheTTL)}, nil
}

// Options returns the options the registry was built with, its catalog filled in. The Vault and
// APIKeys are built from the same value.
func (a *Apps) Options() Options { return a.opts }

// Catalog returns the provider catalog.
func (a *Apps) Catalog() *Catalog { return a.opts.Catalog }

// Get returns the app with the given id, including its client secret (for internal use: show an
// app with View). An unknown id gives ErrAppNotFound. It is served from the cache when warm.
func (a *Apps) Get(ctx context.Context, id string) (App, error) {
	if app, ok := a.cache.get(id); ok {
		return app.Clone(), nil
	}
	if !outbound.IsAppID(id) {
		return App{}, fmt.Errorf("get app %q: %w", id, ErrAppNotFound)
	}
	gen := a.cache.generation()
	app, _, err := a.load(ctx, id)
	if err != nil {
		return App{}, fmt.Errorf("get app %q: %w", id, err)
	}
	a.cache.put(gen, app)
	return app.Clone(), nil
}

// List returns every app, sorted by id, each with its client secret. It is served from the
// cache when warm.
func (a *Apps) List(ctx context.Context) ([]App, error) {
	if apps, ok := a.cache.getAll(); ok {
		return cloneApps(apps), nil
	}
	gen := a.cache.generation()
	ids, err := a.opts.Store.SetMembers(ctx, a.keys().AppIndex())
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	slices.Sort(ids)
	apps := make([]App, 0, len(ids))
	for _, id := range ids {
		app, _, err := a.load(ctx, id)
		switch {
		case errors.Is(err, ErrAppNotFound):
			// Deleted between the index read and the record read.
			continue
		case err != nil:
			return nil, fmt.Errorf("list apps: app %q: %w", id, err)
		}
		apps = append(apps, app)
	}
	a.cache.putAll(gen, apps)
	return cloneApps(apps), nil
}

// View returns the app as shown to API clients: no secret, whether one is set, and the
// callback URL built from Options.PublicURL.
func (a *Apps) View(app App) AppView { return app.View(a.opts.PublicURL) }

// OnDelete registers fn to run when an app is deleted, before its record goes. Whoever builds
// the vault and the API-key store registers their DeleteAppConnections and DeleteApp here, so
// that deleting an app removes its credentials. A hook must be idempotent: when one
// fails the app stays, and a retried Delete runs every hook again.
func (a *Apps) OnDelete(fn func(ctx context.Context, appID string) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onDelete = append(a.onDelete, fn)
}

func (a *Apps) deleteHooks() []func(context.Context, string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.onDelete)
}

func (a *Apps) keys() store.Keys { return a.opts.Store.Keys() }

func cloneApps(apps []App) []App {
	out := make([]App, len(apps))
	for i := range apps {
		out[i] = apps[i].Clone()
	}
	return out
}
