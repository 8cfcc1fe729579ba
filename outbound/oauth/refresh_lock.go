package oauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/outflowhq/outflow/store"
)

// errLockLost ends a locked refresh whose lock could not be extended: it may have expired, and
// another process may be refreshing the grant now.
var errLockLost = errors.New("oauth: the refresh lock could not be extended")

// holdLock runs fn while lock is held. fn's context ends at a deadline short of the lock's TTL,
// or as soon as extending the lock fails (its cause is then errLockLost); deadline, earlier still,
// is when fn's call to the provider must be over, leaving time to record its result. Meanwhile
// the lock is extended every third of its TTL, so a slow Redis or a paused process does not let
// it expire under a refresh that is still running. The extensions run on the wall clock, like
// the TTL in Redis they renew.
func (v *Vault) holdLock(ctx context.Context, lock *store.Lock, fn func(ctx context.Context, deadline time.Time) (storedConn, error)) (storedConn, error) {
	ttl := v.vo.RefreshLockTTL
	start := time.Now()
	ctx, lost := context.WithCancelCause(ctx)
	defer lost(nil)
	ctx, cancel := context.WithDeadline(ctx, start.Add(ttl*9/10))
	defer cancel()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(ttl / 3)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := lock.Extend(ctx, ttl); err != nil {
				if ctx.Err() == nil {
					lost(fmt.Errorf("%w: %w", errLockLost, err))
				}
				return
			}
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	return fn(ctx, start.Add(ttl*3/4))
}
