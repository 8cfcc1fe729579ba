package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Errors a request ends with; match them with errors.Is. None carries a credential.
var (
	// ErrHostNotAllowed: the request's URL is not under one of the app's API bases. No
	// credential was looked up and nothing was sent.
	ErrHostNotAllowed = errors.New("proxy: host not allowed")
	// ErrRateLimited: the API asked to wait (Retry-After) longer than the proxy waits; see
	// *RateLimitedError for when to try again.
	ErrRateLimited = errors.New("proxy: rate limited")
	// ErrUpstreamTimeout: the API did not answer in time.
	ErrUpstreamTimeout = errors.New("proxy: the API did not answer in time")
	// ErrUpstreamUnreachable: the API could not be reached (DNS, connection, TLS).
	ErrUpstreamUnreachable = errors.New("proxy: the API could not be reached")
	// ErrNoBase: the app has no API base, or the request names a base that is not one of its own.
	ErrNoBase = errors.New("proxy: no API base")
	// ErrNoStore: the app's kind needs a store the proxy was not given (Vault or APIKeys).
	ErrNoStore = errors.New("proxy: no credential store for this app")
)

// HostNotAllowedError: a request to a URL outside the app's API bases.
type HostNotAllowedError struct {
	AppID string
	// Origin is the scheme and host the request was for (never its path or query, which may
	// carry anything).
	Origin string
}

func (e *HostNotAllowedError) Error() string {
	return fmt.Sprintf("proxy: app %q may not send its credential to %s: it is not under one of the app's apiBaseUrls", e.AppID, e.Origin)
}

// Is makes errors.Is(err, ErrHostNotAllowed) true.
func (e *HostNotAllowedError) Is(target error) bool { return target == ErrHostNotAllowed }

// RateLimitedError: the connection is backing off until RetryAt.
type RateLimitedError struct {
	AppID        string
	ConnectionID string
	RetryAt      time.Time
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("proxy: the API of app %q asked to wait until %s", e.AppID, e.RetryAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// upstreamError turns a transport error into ErrUpstreamTimeout or ErrUpstreamUnreachable,
// keeping the cause without its URL (a query may carry an API key) and never a text that shows
// one of secrets.
func upstreamError(ctx context.Context, appID string, err error, secrets ...string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	text := err.Error()
	for _, s := range secrets {
		if s != "" && (strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s))) {
			err = errors.New("proxy: request failed")
			break
		}
	}
	kind := ErrUpstreamUnreachable
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		kind = ErrUpstreamTimeout
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return fmt.Errorf("proxy: request to the API of app %q: %w", appID, ctx.Err())
	}
	return fmt.Errorf("proxy: request to the API of app %q: %w: %w", appID, kind, err)
}
