package store

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// scanBatch is the COUNT hint for each SCAN call.
const scanBatch = 500

// Scan calls fn for every key matching the glob pattern match (use Keys().Pattern() for all of
// Outflow's keys), on every master of a Cluster. It follows SCAN's guarantees: a key present for
// the whole scan is reported at least once (possibly more than once); keys added or removed during
// the scan may or may not be. fn is never called concurrently. An error from fn stops the scan
// and is returned as is.
func (s *Store) Scan(ctx context.Context, match string, fn func(key string) error) error {
	if cc, ok := s.client.(*redis.ClusterClient); ok {
		// Masters are scanned concurrently; fn is serialized, and after it fails once it is not
		// called again.
		var (
			mu      sync.Mutex
			stopped error
		)
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return scanNode(ctx, c, match, func(k string) error {
				mu.Lock()
				defer mu.Unlock()
				if stopped == nil {
					stopped = fn(k)
				}
				return stopped
			})
		})
		return scanErr(ctx, err, match)
	}
	return scanErr(ctx, scanNode(ctx, s.client, match, fn), match)
}

// callbackErr marks an error returned by the caller's fn, so it passes through unwrapped.
type callbackErr struct{ err error }

func (e callbackErr) Error() string { return e.err.Error() }

func scanNode(ctx context.Context, c redis.Cmdable, match string, fn func(string) error) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, match, scanBatch).Result()
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := fn(k); err != nil {
				return callbackErr{err}
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

func scanErr(ctx context.Context, err error, match string) error {
	var cb callbackErr
	if errors.As(err, &cb) {
		return cb.err
	}
	return wrapErr(ctx, err, "scan %q", match)
}
