package store

import (
	"context"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// Default bounds of the Redis calls of a Store made by Open (see Options).
const (
	// DefaultPingTimeout bounds the PING with which Open checks the connection.
	DefaultPingTimeout = 5 * time.Second
	// DefaultCommandTimeout bounds every Redis call: a command, a script or a pipeline,
	// waiting for a connection and retries included.
	DefaultCommandTimeout = 3 * time.Second
)

// deadlineHook gives every call through a client a deadline: the caller's, or d from now when
// that is sooner. With the client's ContextTimeoutEnabled, the deadline reaches the socket, the
// connection pool and the retries, so a Redis that accepts connections and never answers fails
// the call when its deadline passes.
// A call whose context holds ownDeadline{} keeps the deadline its caller gave (Open's PING,
// bounded by Options.PingTimeout).
type deadlineHook struct{ d time.Duration }

// ownDeadline marks a context whose deadline deadlineHook leaves as it is.
type ownDeadline struct{}

// bound gives ctx the hook's deadline unless the caller set its own with ownDeadline.
func (h deadlineHook) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Value(ownDeadline{}) != nil {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, h.d)
}

var _ redis.Hook = deadlineHook{}

func (h deadlineHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := h.bound(ctx)
		defer cancel()
		return next(ctx, network, addr)
	}
}

func (h deadlineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		ctx, cancel := h.bound(ctx)
		defer cancel()
		return next(ctx, cmd)
	}
}

func (h deadlineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		ctx, cancel := h.bound(ctx)
		defer cancel()
		return next(ctx, cmds)
	}
}

// honourContexts makes the client follow its callers' deadlines down to the socket (go-redis
// otherwise waits for its own read and write timeouts, and retries past the deadline).
func honourContexts(cfg clientConfig) {
	switch {
	case cfg.single != nil:
		cfg.single.ContextTimeoutEnabled = true
	case cfg.sentinel != nil:
		cfg.sentinel.ContextTimeoutEnabled = true
	case cfg.cluster != nil:
		cfg.cluster.ContextTimeoutEnabled = true
	}
}

// within runs fn and returns what it returns, or ctx's error as soon as ctx ends, even when fn
// does not: a client that does not follow contexts (a host's own, see NewFromClient; a Sentinel
// the client keeps dialling) cannot hold the caller past its deadline. fn keeps running on its
// own goroutine until the client gives up on it.
func within(ctx context.Context, fn func(context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
