package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/store"
)

// errOOM is the error Redis answers a write with when it is out of memory (maxmemory reached
// with the noeviction policy).
var errOOM = redis.Error(oomError("OOM command not allowed when used memory > 'maxmemory'."))

type oomError string

func (e oomError) Error() string { return string(e) }

// RedisError marks the error as a reply of Redis (go-redis's redis.Error).
func (e oomError) RedisError() {}

// Refusal makes a store's Redis refuse the writes of one key, as a Redis out of memory or in the
// middle of a failover does, while it is on; reads keep working. Create it with RefuseWrites.
type Refusal struct {
	key     string
	on      atomic.Bool
	refused atomic.Int64
}

// RefuseWrites makes the writes of key fail with Redis's out-of-memory error until the returned
// Refusal is turned off. A write is a script (EVAL, EVALSHA) whose first key is key, which is how
// the store writes every record, or a plain SET of key. It starts on. Hooks cannot be removed
// from a client: the Refusal lasts as long as the store's client, switched with Set.
func RefuseWrites(s *store.Store, key string) *Refusal {
	r := &Refusal{key: key}
	r.on.Store(true)
	s.Client().AddHook(refusalHook{r})
	if cc, ok := s.Client().(*redis.ClusterClient); ok {
		hookNodes(cc, refusalHook{r})
	}
	return r
}

// Set turns the refusal on or off.
func (r *Refusal) Set(on bool) { r.on.Store(on) }

// Refused returns how many writes were refused so far.
func (r *Refusal) Refused() int { return int(r.refused.Load()) }

// refuses reports whether cmd is a write of the key while the refusal is on.
func (r *Refusal) refuses(cmd redis.Cmder) bool {
	if !r.on.Load() {
		return false
	}
	args := cmd.Args()
	first := func(i int) bool { return len(args) > i && fmt.Sprint(args[i]) == r.key }
	switch strings.ToLower(cmd.Name()) {
	case "eval", "evalsha":
		return first(3)
	case "set":
		return first(1)
	}
	return false
}

type refusalHook struct{ r *Refusal }

func (h refusalHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h refusalHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.r.refuses(cmd) {
			h.r.refused.Add(1)
			cmd.SetErr(errOOM)
			return errOOM
		}
		return next(ctx, cmd)
	}
}

func (h refusalHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if h.r.refuses(cmd) {
				h.r.refused.Add(1)
				for _, c := range cmds {
					c.SetErr(errOOM)
				}
				return errOOM
			}
		}
		return next(ctx, cmds)
	}
}
