package store

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// dialErrors remembers the last failed dial, so that Open, when Redis does not answer its PING in
// time, can say why ("connection refused", a TLS failure) instead of only that time ran out: the
// client retries a refused dial until the deadline, which then hides the cause. A dial error
// names the address, never the password.
type dialErrors struct{ last atomic.Pointer[string] }

var _ redis.Hook = (*dialErrors)(nil)

func (d *dialErrors) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil && ctx.Err() == nil {
			msg := err.Error()
			d.last.Store(&msg)
		}
		return conn, err
	}
}

func (d *dialErrors) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (d *dialErrors) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// lastError returns the last dial error, or "" (also for a nil d).
func (d *dialErrors) lastError() string {
	if d == nil {
		return ""
	}
	if p := d.last.Load(); p != nil {
		return *p
	}
	return ""
}
