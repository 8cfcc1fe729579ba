// Package server serves Outflow over HTTP: the REST API under /v1 (described by the OpenAPI
// document at /v1/openapi.json), the OAuth callback, the hosted screens a browser opens from a
// one-time link, health, readiness and Prometheus metrics, and, with Options.Console, the console
// (package console) under /console. It maps errors to status codes in one
// place (errors.go) and logs one line per request without query strings, bodies or credentials.
//
// The package is above 3,000 lines (about 4,800) for a reason: it is one http.Handler whose routes
// (REST, hosted pages, the OAuth callback) share one error mapping, one browser binding with its
// cookie and CSRF tokens, and one set of page templates; it exports a few dozen names.
package server

import (
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/server/console"
	"github.com/outflowhq/outflow/store"
)

// Options configure the HTTP handler. The server serves the routes of the parts it is given:
// the flow routes with Engine, the app routes with Apps, the connection routes with Vault, the
// API-key routes with APIKeys.
type Options struct {
	Engine *engine.Engine
	// Store keeps one-time links and is what /readyz checks. Without it, the routes that make or
	// open a link are not served (POST /v1/flows/{flowId}/start, POST /v1/connect,
	// /v1/oauth/start/{token}, /flows/link/{token} and the hosted pages), and /readyz answers
	// ready without checking Redis.
	Store   *store.Store
	Apps    *apps.Apps
	Vault   *oauth.Vault
	APIKeys *apikeys.APIKeys
	// Proxy serves /v1/proxy/{appId}/{path...}: requests to an app's API with a connection's
	// credential.
	Proxy *proxy.Proxy
	// Webhooks serves the webhook endpoint routes (/v1/webhooks...).
	Webhooks *webhooks.Webhooks
	Logger   *slog.Logger
	// ManagementKeys protect management and credential routes (Authorization: Bearer <key>).
	// Each must be a random string of at least MinManagementKeyLen characters (a demo server,
	// with Demo set, may use a shorter one).
	ManagementKeys []string
	// PublicURL is the externally visible base URL of the server, e.g. "https://auth.example.com",
	// or "https://auth.example.com/outflow" for a server a host mounts under a path with
	// http.StripPrefix("/outflow", ...). One-time links are built on it, and its path is the base
	// of every URL the server makes: redirects, form actions, links on its pages and the browser
	// cookie's Path. Empty builds links on the request's own host, at the root. The browser cookie
	// is Secure when PublicURL is https or the request came over TLS.
	PublicURL string
	// CheckHost answers 421 Misdirected Request, with a JSON error, to a request whose Host is not
	// the host of PublicURL; when that host is a loopback one (localhost, 127.0.0.1, [::1]), any
	// loopback host with the same port is accepted. A web page cannot then reach a server on a
	// developer's machine or a private network through a domain of its own that resolves to the
	// server's address (DNS rebinding). /healthz, /readyz and /metrics answer whatever the Host,
	// for probes and scrapers that address an instance by its IP. It has no effect without
	// PublicURL; a proxy in front must pass the Host header through. `outflow serve` sets it.
	CheckHost bool
	// MaxBodyBytes limits request bodies (0 means the default, 1 MiB; it must not be negative).
	MaxBodyBytes int64
	// Metrics collects the metrics served at GET /metrics. Pass the same value to
	// engine.Options.Observer and oauth.VaultOptions.Observer so that flows, steps, consents,
	// fetches and refreshes are counted too; nil makes one that counts HTTP requests only.
	Metrics *Metrics
	// LinkTTL is how long a one-time browser link stays valid (0 means the default, 10 minutes;
	// it must not be negative), never past the execution's own expiry.
	LinkTTL time.Duration
	// PageSecret keys the CSRF tokens of hosted pages, together with each browser's own cookie.
	// Instances that serve the same executions should share it; it may be empty, as a token
	// cannot be forged without the browser's cookie anyway.
	PageSecret []byte
	// Demo serves the demo landing page at /: the flows with a "Try it" button that starts one
	// for a demo user without a management key. Only for a server on a developer's machine.
	Demo *Demo
	// Console serves the console under /console (see package console) when set. The server
	// fills in what it has (Store, Apps, Engine, Vault, APIKeys, ManagementKeys, PublicURL,
	// Logger, Clock, consent links, the demo banner, and Base under the public URL's path);
	// the host sets Authorizer, Coverage and the session settings. It needs Store and Apps.
	Console *console.Options
	// Brand is how the hosted pages look (see Brand); the zero value is Outflow's own look.
	Brand Brand
	// TenantBrands are the brands of tenants' pages, by tenant id; a tenant without one gets
	// Brand.
	TenantBrands map[string]Brand
	// PageTemplates replaces hosted pages' templates (html/template): a file named like a page
	// (layout.html, screen.html, problem.html, redirect.html, continue.html, landing.html,
	// index.html) is parsed after the built-in one, so the blocks it defines replace theirs.
	// They render the data contract of docs/pages.md (pageData: Lang, Dir, Brand, Demo, Body,
	// and the function t for the built-in texts).
	PageTemplates fs.FS
	Clock         clock.Clock
	// TracerProvider, when set, makes each request a server span named after its route
	// ("POST /v1/tokens/fetch"), continuing the caller's W3C trace context (traceparent), with
	// the method, the route, the path as the access log writes it (no query, no one-time link
	// token) and the status. Pass the same provider to the store, the apps and the engine so
	// that their spans are its children. Nil: no spans.
	TracerProvider trace.TracerProvider
}

// Demo configures the demo landing page.
type Demo struct {
	// UserID is the user the landing page starts flows for (default "demo-user").
	UserID string
	// Flows lists the ids of the flows offered, in order; empty offers every flow.
	Flows []string
	// Notes are lines shown under the list, e.g. where the sandbox provider is.
	Notes []string
}

// Server is the HTTP handler.
type Server struct {
	opts Options
	// pages are the hosted pages, with Options.PageTemplates applied.
	pages map[string]*template.Template
	// origin ("https://auth.example.com") and base ("/outflow", or "" at the root) split
	// Options.PublicURL.
	origin, base string
	openAPI      []byte
	log          *slog.Logger
	clock        clock.Clock
	mux          *http.ServeMux
	patterns     []string
	// tokenMarkers are the segments before the {token} of one-time link routes, for the log.
	tokenMarkers []string
	metrics      *Metrics
	tracer       trace.Tracer // nil: tracing off
	handler      http.Handler
	consoleErr   error
	// draining is set by Drain: /readyz answers 503 from then on.
	draining atomic.Bool
}

// New returns the handler, or an *OptionsError (wrapping ErrInvalidOptions) naming the first
// field of opts it cannot serve with.
func New(opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Demo != nil && opts.Demo.UserID == "" {
		d := *opts.Demo
		d.UserID = "demo-user"
		opts.Demo = &d
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{opts: opts, log: log, clock: clock.Or(opts.Clock), mux: http.NewServeMux(), metrics: opts.Metrics,
		tracer: tracing.Tracer(opts.TracerProvider)}
	s.origin, s.base = splitPublicURL(opts.PublicURL)
	s.openAPI = openAPIFor(s.base)
	if opts.PageTemplates != nil {
		pages, err := parsePages(opts.PageTemplates)
		if err != nil {
			return nil, &OptionsError{Field: "PageTemplates", Reason: err.Error()}
		}
		s.pages = pages
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.routes()
	if s.consoleErr != nil {
		return nil, s.consoleErr
	}
	s.tokenMarkers = tokenMarkers(s.patterns)
	s.handler = s.observe(s.checkHost(s.toPublicHost(s.mux)))
	return s, nil
}

// routes registers every route. Each one is documented in openapi.json; a test holds the two
// together.
func (s *Server) routes() {
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.handle("GET /metrics", s.metrics.serve)
	s.handle("GET /v1/openapi.json", s.serveOpenAPI)
	s.flowRoutes()
	s.appRoutes()
	s.connectionRoutes()
	s.apikeyRoutes()
	s.proxyRoutes()
	s.webhookRoutes()
	s.pageRoutes()
	if err := s.consoleRoutes(); err != nil {
		s.consoleErr = err
	}
	s.mux.HandleFunc("/", s.unmatched)
}

// handle registers a route and remembers its pattern.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, h)
	s.patterns = append(s.patterns, pattern)
}

// Patterns returns the patterns of every route the server registered ("GET /v1/flows", ...),
// in registration order, for documentation and its tests.
func (s *Server) Patterns() []string { return append([]string(nil), s.patterns...) }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// publicURL is the base URL for links: Options.PublicURL, or the request's own origin.
func (s *Server) publicURL(r *http.Request) string {
	if s.origin != "" {
		return s.origin + s.base
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.base
}

// path is the path a browser uses for p, a path of the server's own routes ("/flows/run/x"):
// p under the base path of Options.PublicURL.
func (s *Server) path(p string) string { return s.base + p }

// splitPublicURL splits a public URL into its origin and its path without the trailing slash.
// A URL that does not parse gives neither.
func splitPublicURL(raw string) (origin, base string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", ""
	}
	return strings.ToLower(u.Scheme) + "://" + u.Host, strings.TrimRight(u.EscapedPath(), "/")
}
