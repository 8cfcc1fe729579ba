package oauth

import (
	"context"
	"errors"
)

// retryUnwritten is the background loop of a vault holding token sets Redis did not take:
// every WriteRetryInterval it tries to write each of them, until none is left or the vault is
// closed.
func (v *Vault) retryUnwritten(ctx context.Context) {
	for {
		if v.unwritten.wait(ctx, v.vo.WriteRetryInterval) != nil {
			v.unwritten.idle()
			return
		}
		v.writeAllHeld(ctx)
		if v.unwritten.idle() {
			return
		}
	}
}

// writeAllHeld tries once to write every held set.
func (v *Vault) writeAllHeld(ctx context.Context) {
	for _, u := range v.unwritten.all() {
		v.writeHeld(ctx, u)
	}
}

// writeHeld tries once to write the set held for u's connection, under the grant's refresh
// lock, so that no refresh of the grant runs meanwhile. When the lock is taken, a refresh is
// running: it starts by writing the set itself.
func (v *Vault) writeHeld(ctx context.Context, u *unwrittenSet) {
	app, owner := u.next.AppID, u.owner
	lock, err := v.store.Lock(ctx, v.keys.RefreshLock(owner.Kind(), owner.ID(), app, u.next.ID), v.vo.RefreshLockTTL)
	if err != nil {
		return
	}
	defer func() {
		if err := lock.Release(context.WithoutCancel(ctx)); err != nil {
			v.log.DebugContext(ctx, "outbound: release refresh lock", "app", app, "connection", u.next.ID, "error", err)
		}
	}()
	// Under the lock, the set to write is the latest held for the connection.
	if u = v.unwritten.latest(u); u == nil {
		return
	}
	out, written, err := v.writeRefreshed(ctx, lock, u)
	switch {
	case errors.Is(err, ErrConnectionNotFound):
		v.unwritten.drop(u)
	case err != nil:
		v.log.DebugContext(ctx, "outbound: a held token pair still cannot be written", "app", app, "connection", u.next.ID, "error", err)
	default:
		v.unwritten.written(u)
		if written {
			v.log.InfoContext(ctx, "outbound: a held token pair was written", "connection", out.Connection)
			v.afterRefreshWritten(ctx, u, &out)
		}
	}
}

// Close stops the vault's background work: the retry of token pairs the provider issued but
// Redis did not take. Before it returns it tries once more to write the pairs still held
// (within ProviderTimeout); a pair it cannot write is lost with the process, and its connection
// will need its owner to connect again if its provider rotates refresh tokens. A closed vault
// goes on serving. Close is idempotent and always returns nil.
func (v *Vault) Close() error {
	if v.unwritten.close() == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), v.vo.ProviderTimeout)
	defer cancel()
	v.writeAllHeld(ctx)
	if n := v.unwritten.n.Load(); n > 0 {
		v.log.Error("outbound: the vault closed holding refreshed token pairs Redis did not take; they are lost", "count", n)
	}
	return nil
}
