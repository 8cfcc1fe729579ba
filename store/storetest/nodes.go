package storetest

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// hookNodes adds h to the client of every node of a Cluster client, those known now and those
// met later. A write that waits for a replica goes straight to the client of the node that takes
// it, past the cluster client's own hooks.
func hookNodes(cc *redis.ClusterClient, h redis.Hook) {
	cc.OnNewNode(func(c *redis.Client) { c.AddHook(h) })
	_ = cc.ForEachShard(context.Background(), func(_ context.Context, c *redis.Client) error {
		c.AddHook(h)
		return nil
	})
}
