package storetest

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/store"
)

// Counter counts the round trips a store makes to Redis: a command is one, a pipeline or
// transaction is one. The handshake of each new pooled connection (HELLO, AUTH, SELECT, READONLY,
// CLIENT ...) is not counted: it is paid once per connection, not per operation; nor is the INFO
// with which a store on a real Redis counts the master's replicas, paid about once a second
// (see store.Options.Durability), nor a Cluster client's own CLUSTER and COMMAND calls. Create it with
// CountRoundTrips.
type Counter struct {
	n atomic.Int64
}

// CountRoundTrips starts counting the round trips of s. The count runs for the life of the store's
// client (hooks cannot be removed); use Reset to start over.
func CountRoundTrips(s *store.Store) *Counter {
	c := &Counter{}
	if cc, ok := s.Client().(*redis.ClusterClient); ok {
		// On a Cluster, count on the nodes, where every call ends up, once.
		hookNodes(cc, counterHook{c})
		return c
	}
	s.Client().AddHook(counterHook{c})
	return c
}

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// Count returns the round trips since creation or the last Reset.
func (c *Counter) Count() int { return int(c.n.Load()) }

type counterHook struct{ c *Counter }

func (h counterHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h counterHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h counterHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if !handshake(cmd) {
				h.c.n.Add(1)
				break
			}
		}
		return next(ctx, cmds)
	}
}

// handshake reports whether cmd is one go-redis sends to set up a new connection, or the store's
// replica count.
func handshake(cmd redis.Cmder) bool {
	switch strings.ToLower(cmd.Name()) {
	case "hello", "auth", "select", "readonly", "client", "info", "cluster", "command":
		return true
	}
	return false
}
