// Package redisprobe names go-redis types the way Outflow's packages do (a *store.Store, a client
// interface, client options) and nothing else. The build-cost test compiles it and weighs its
// object: what it holds beyond its own code is what every such package of Outflow compiles again.
package redisprobe

import (
	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/store"
)

// Uses takes the three kinds of go-redis types Outflow's packages name.
func Uses(*store.Store, redis.UniversalClient, *redis.Options) {}
