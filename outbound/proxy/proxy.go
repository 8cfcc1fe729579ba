package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
)

// Defaults of Options.
const (
	DefaultMaxRetryWait       = 10 * time.Second
	DefaultReplayLimit        = 1 << 20
	DefaultResponseTimeout    = 30 * time.Second
	DefaultCredentialTTL      = time.Second
	defaultIdleConnsPerHost   = 64
	defaultIdleConnTimeoutSec = 90
)

// Options configure a Proxy. Apps is required, with Vault for oauth2 apps and APIKeys for
// apikey apps (a request for an app whose store is missing fails).
type Options struct {
	Apps    *apps.Apps
	Vault   *oauth.Vault
	APIKeys *apikeys.APIKeys
	// Transport sends the requests to the APIs; nil means a transport of its own (HTTP/2,
	// keep-alive, ResponseTimeout for the response headers). It must not follow redirects (an
	// http.RoundTripper never does).
	Transport http.RoundTripper
	// MaxRetryWait caps how long a request waits for an API's Retry-After before it is sent
	// again (default 10s, and never past the request's deadline). A longer wait answers 429.
	MaxRetryWait time.Duration
	// ReplayLimit is the largest request body kept to send again after a 401 or a 429 (default
	// 1 MiB); larger bodies stream and are not sent twice.
	ReplayLimit int64
	// ResponseTimeout bounds the wait for an API's response headers with the default Transport
	// (default 30s).
	ResponseTimeout time.Duration
	// CredentialTTL is how long a process reuses what a connection's requests need from Redis
	// (its credential and its back-off) before reading them again (default 1s; negative reads
	// them for every request). A refresh by another process, a disconnect or another process's
	// back-off is seen within it; a token the API refuses is dropped at once.
	CredentialTTL time.Duration
	// Observer is told about requests, refreshes and waits, for metrics; nil means none.
	Observer Observer
	Clock    clock.Clock
	Logger   *slog.Logger
}

// Observer is told what the proxy does. Its labels are app ids and status classes, never a
// credential, a user or a path.
type Observer interface {
	// ProxyRequest: one request to an app's API ended, with its status class ("2xx".."5xx"),
	// or "error" when no answer came, or "refused" when it was not sent.
	ProxyRequest(appID, class string, d time.Duration)
	// ProxyRefreshed: a 401 from the API made the proxy refresh the token.
	ProxyRefreshed(appID string)
	// ProxyWaited: a request waited for a Retry-After back-off.
	ProxyWaited(appID string, d time.Duration)
}

// Proxy sends requests with connections' credentials. It is safe for concurrent use.
type Proxy struct {
	opts  Options
	store *store.Store
	keys  store.Keys
	clock clock.Clock
	log   *slog.Logger
	base  http.RoundTripper
	cache credCache
	// traced is true when the API calls are spans (Apps' TracerProvider is set).
	traced bool
	apps   appCache
}

// ErrInvalidOptions matches the error New returns for Options it cannot use.
var ErrInvalidOptions = errors.New("proxy: invalid options")

// New returns a Proxy, or an error wrapping ErrInvalidOptions.
func New(opts Options) (*Proxy, error) {
	switch {
	case opts.Apps == nil:
		return nil, fmt.Errorf("%w: Apps is required", ErrInvalidOptions)
	case opts.MaxRetryWait < 0, opts.ReplayLimit < 0, opts.ResponseTimeout < 0:
		return nil, fmt.Errorf("%w: MaxRetryWait, ReplayLimit and ResponseTimeout must not be negative", ErrInvalidOptions)
	}
	if opts.MaxRetryWait == 0 {
		opts.MaxRetryWait = DefaultMaxRetryWait
	}
	if opts.ReplayLimit == 0 {
		opts.ReplayLimit = DefaultReplayLimit
	}
	if opts.CredentialTTL == 0 {
		opts.CredentialTTL = DefaultCredentialTTL
	}
	if opts.ResponseTimeout == 0 {
		opts.ResponseTimeout = DefaultResponseTimeout
	}
	ao := opts.Apps.Options()
	p := &Proxy{opts: opts, store: ao.Store, keys: ao.Store.Keys(), clock: clock.Or(opts.Clock), log: opts.Logger, base: opts.Transport}
	if p.log == nil {
		p.log = ao.LoggerOrDefault()
	}
	if p.base == nil {
		p.base = newTransport(opts.ResponseTimeout)
	}
	p.base = tracing.Transport(p.base, tracing.Tracer(ao.TracerProvider))
	p.traced = ao.TracerProvider != nil
	return p, nil
}

// newTransport is the default transport to the APIs: no proxy from the environment is skipped,
// keep-alive with enough idle connections for a busy API, and a bound on the response headers.
func newTransport(headerTimeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   defaultIdleConnsPerHost,
		IdleConnTimeout:       defaultIdleConnTimeoutSec * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: headerTimeout,
	}
}

// Target chooses the connection whose credential a request carries, and how the request may be
// retried.
type Target struct {
	AppID string
	// UserID or TenantID (or both: a user within a tenant) own the connection.
	UserID   string
	TenantID string
	// ExternalID or ConnectionID pick one of several connections (OAuth apps).
	ExternalID   string
	ConnectionID string
	// Scopes must all have been granted to the connection (any connection covering them will
	// do), as for a token fetch.
	Scopes []string
	// RetryUnsafe allows sending a POST, PATCH (or another non-idempotent method) again after
	// a 429 or 503 with Retry-After. A request is always sent again after a 401 refresh, which
	// the API did not act on.
	RetryUnsafe bool
	// KeepSetCookie passes the API's Set-Cookie headers through (dropped by default).
	KeepSetCookie bool
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

func (p *Proxy) observeRequest(appID string, status int, start time.Time) {
	if p.opts.Observer == nil {
		return
	}
	class := "error"
	switch {
	case status < 0:
		class = "refused"
	case status >= 100 && status < 600:
		class = statusClasses[status/100-1]
	}
	p.opts.Observer.ProxyRequest(appID, class, time.Since(start))
}

// contextDone returns ctx's error with its cause, or nil.
func contextDone(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}
