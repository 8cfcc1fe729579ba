package apps

import (
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/store"
)

// Options configure the outbound services (Apps, Vault, APIKeys). They share one Options value.
type Options struct {
	// Store holds apps and credentials. Required.
	Store *store.Store
	// Keyring seals client secrets, tokens and API keys. Required.
	Keyring *store.Keyring
	// Catalog is the provider catalog; nil loads the embedded one.
	Catalog *Catalog
	// PublicURL is the base of callback URLs, e.g. "https://auth.example.com", or
	// "https://auth.example.com/outflow" for a server mounted under a path: the same value as
	// server.Options.PublicURL. An OAuth app's callback is <PublicURL>/v1/oauth/callback/<id>.
	// Without it (and without the app's callbackDomain) a consent cannot start: Connect fails
	// with oauth.ErrNoPublicURL. It must be an absolute http(s) URL.
	PublicURL string
	// HTTPClient makes provider calls (token exchange, refresh, revocation, user info, discovery,
	// API-key probes); nil means a client with a 10s timeout. Each call also has its own shorter
	// deadline. Whatever its CheckRedirect and Jar, these calls never follow a redirect and
	// keep no cookies: they carry credentials, which must reach the endpoint named and no other.
	HTTPClient *http.Client
	Clock      clock.Clock
	Logger     *slog.Logger
	// TracerProvider, when set, makes every provider call a client span (token, refresh,
	// revocation, user info, discovery, key probes, and the request proxy's API calls), named
	// after the call, without query string or body. Nil: no spans.
	TracerProvider trace.TracerProvider
}

// ClockOrDefault is Clock, or the system clock when it is nil.
func (o Options) ClockOrDefault() clock.Clock { return clock.Or(o.Clock) }

// LoggerOrDefault is Logger, or slog.Default() when it is nil.
func (o Options) LoggerOrDefault() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

func (o Options) httpClient() *http.Client {
	if o.HTTPClient == nil {
		return &http.Client{Timeout: 10 * time.Second}
	}
	return o.HTTPClient
}

// ProviderClient is the client of every credential-bearing call: HTTPClient (or its default)
// without redirects (a redirect's response is returned as it is) and without a cookie jar.
func (o Options) ProviderClient() *http.Client {
	c := *o.httpClient()
	c.Jar = nil
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Transport = tracing.Transport(c.Transport, tracing.Tracer(o.TracerProvider))
	return &c
}
