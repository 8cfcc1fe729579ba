package store

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// clusterReload makes a Cluster client reload its slot map when a call could not reach its node.
// When a master dies and its replica takes over, no node answers MOVED for that master's slots:
// go-redis would go on dialling the dead address until its map is a minute old. The reload is
// go-redis's own (ReloadState): asynchronous, one at a time, at most one every 200ms.
type clusterReload struct{ c *redis.ClusterClient }

var _ redis.Hook = clusterReload{}

func (h clusterReload) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h clusterReload) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(ctx, err)
		return err
	}
}

func (h clusterReload) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(ctx, err)
		return err
	}
}

// check reloads the slot map after an error that is not Redis's answer (a refused or broken
// connection, a node that timed out), unless the caller gave up.
func (h clusterReload) check(ctx context.Context, err error) {
	var answer redis.Error
	if err == nil || errors.Is(err, redis.Nil) || errors.As(err, &answer) || ctx.Err() != nil {
		return
	}
	h.c.ReloadState(ctx)
}
