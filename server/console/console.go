package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/internal/mgmtkey"
	"github.com/outflowhq/outflow/internal/optdefault"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
)

// Authorizer lets a host sign people in to the console with its own authentication: given a
// request that carries no console session, it returns the principal the host's own session
// names ("alice@example.com"), or ok false for anyone it does not let in. The principal is the
// actor of the changes they make.
type Authorizer func(r *http.Request) (principal string, ok bool)

// ConnectLinkRequest asks for a one-time consent link (see Options.ConnectLink).
type ConnectLinkRequest struct {
	AppID  string
	Owner  outbound.Owner
	Scopes []string
}

// Options configure the console.
type Options struct {
	// Store keeps sessions and the sign-in limit. Required.
	Store *store.Store
	// Apps is required; Engine, Vault and APIKeys add the flow, connection and API-key pages.
	Apps    *apps.Apps
	Engine  *engine.Engine
	Vault   *oauth.Vault
	APIKeys *apikeys.APIKeys
	// Webhooks adds the webhook endpoint pages.
	Webhooks *webhooks.Webhooks
	// ManagementKeys are the keys that sign in. Without keys and Authorizer, nobody can.
	ManagementKeys []string
	Authorizer     Authorizer
	// ConnectLink makes a one-time consent link, as POST /v1/connect does; nil hides the
	// "send a connect link" action.
	ConnectLink func(ctx context.Context, r *http.Request, req ConnectLinkRequest) (url string, expiresAt time.Time, err error)
	// Coverage tells, for a flow id, what its scenarios cover ("5 of 6 branches"), or "" when no
	// scenario covers it; nil leaves the coverage out.
	Coverage func(flowID string) string
	// Base is the path the browser reaches the console at ("/console", "/outflow/console");
	// links, form actions and the cookie's Path are under it. Default "/console".
	Base string
	// PublicURL is the server's public base URL: with https the session cookie is Secure, and a
	// POST's Origin must be its origin. Empty takes the request's own host.
	PublicURL string
	// SessionTTL is how long a session lasts (default 8 hours).
	SessionTTL time.Duration
	// SignInLimit is how many failed sign-ins one client address may make in SignInWindow
	// (default 10 in 15 minutes); past it, sign-ins from that address are refused unchecked.
	SignInLimit  int
	SignInWindow time.Duration
	// ClientAddr names the client of a request for the sign-in limit; default its RemoteAddr's
	// host. Behind a proxy, read the address the proxy passes on.
	ClientAddr func(r *http.Request) string
	// Demo shows the sandbox banner.
	Demo   bool
	Logger *slog.Logger
	Clock  clock.Clock
}

// Console is the console's http.Handler.
type Console struct {
	opts  Options
	log   *slog.Logger
	clock clock.Clock
	mux   *http.ServeMux
}

// ErrInvalidOptions is what New's errors wrap.
var ErrInvalidOptions = errors.New("console: invalid options")

// New returns the console, or an error wrapping ErrInvalidOptions.
func New(opts Options) (*Console, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.Join(ErrInvalidOptions, errors.New("console: Options.Store is required: sessions are kept in Redis"))
	case opts.Apps == nil:
		return nil, errors.Join(ErrInvalidOptions, errors.New("console: Options.Apps is required"))
	}
	for _, f := range []struct {
		name string
		fill func() string
	}{
		{"SessionTTL", func() string { return optdefault.Fill(&opts.SessionTTL, 8*time.Hour) }},
		{"SignInLimit", func() string { return optdefault.Fill(&opts.SignInLimit, 10) }},
		{"SignInWindow", func() string { return optdefault.Fill(&opts.SignInWindow, 15*time.Minute) }},
	} {
		if problem := f.fill(); problem != "" {
			return nil, errors.Join(ErrInvalidOptions, fmt.Errorf("console: Options.%s %s", f.name, problem))
		}
	}
	for i, k := range opts.ManagementKeys {
		if problem := mgmtkey.Problem(k, opts.Demo); problem != "" {
			return nil, errors.Join(ErrInvalidOptions, fmt.Errorf("console: Options.ManagementKeys[%d] %s", i, problem))
		}
	}
	if opts.Base == "" {
		opts.Base = "/console"
	}
	opts.Base = "/" + strings.Trim(opts.Base, "/")
	if opts.ClientAddr == nil {
		opts.ClientAddr = remoteHost
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	c := &Console{opts: opts, log: log, clock: clock.Or(opts.Clock), mux: http.NewServeMux()}
	c.routes()
	return c, nil
}

// Base returns the path the console is served at.
func (c *Console) Base() string { return c.opts.Base }

// ServeHTTP serves a request whose path is relative to Options.Base ("/apps").
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

func (c *Console) routes() {
	c.mux.HandleFunc("GET /assets/{name}", c.asset)
	c.mux.HandleFunc("GET /sign-in", c.signInPage)
	c.mux.HandleFunc("POST /sign-in", c.sameOrigin(c.signIn))
	c.mux.HandleFunc("POST /sign-out", c.form(c.signOut))
	c.mux.HandleFunc("GET /{$}", c.page(func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, c.path("/apps"), http.StatusSeeOther)
	}))
	c.appRoutes()
	c.connectionRoutes()
	c.flowRoutes()
	c.webhookRoutes()
	c.mux.HandleFunc("/", c.page(func(w http.ResponseWriter, r *http.Request, s *session) {
		c.fail(w, r, s, errPageNotFound)
	}))
}

// path is the browser's path of a console route.
func (c *Console) path(p string) string { return c.opts.Base + p }

// pathf joins escaped segments: pathf("/apps", id, "delete") is /console/apps/ID/delete.
func (c *Console) pathf(parts ...string) string {
	var b strings.Builder
	b.WriteString(c.opts.Base)
	for i, p := range parts {
		if i == 0 {
			b.WriteString(p)
			continue
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// secure reports whether the session cookie is Secure.
func (c *Console) secure(r *http.Request) bool {
	return strings.HasPrefix(c.opts.PublicURL, "https://") || r.TLS != nil
}
