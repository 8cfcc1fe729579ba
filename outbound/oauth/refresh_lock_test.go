package oauth

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// A refresh must hold its lock for as long as it runs. Here the provider is slow twice over:
// its discovery document and its token endpoint each take most of ProviderTimeout, together
// longer than the lock's TTL. Three processes that have never talked to the provider fetch an
// expired token at once: the provider must see exactly one refresh.
func TestSlowProviderNeverOutlivesTheRefreshLock(t *testing.T) {
	t.Parallel()
	const (
		providerTimeout = 1000 * time.Millisecond
		lockTTL         = 1200 * time.Millisecond
		slow            = 700 * time.Millisecond // each call fits the timeout (with room for a busy machine); two do not fit the lock
	)
	f := setupVault(t)
	ctx := context.Background()
	if _, err := f.apps.Update(ctx, "crm", apps.AppPatch{TokenURL: ptr(""), RevocationURL: ptr(""),
		DiscoveryURL: ptr(f.p.url("/.well-known/openid-configuration"))}); err != nil {
		t.Fatal(err)
	}
	f.p.mu.Lock()
	f.p.refresh["RT-seed"] = fakeGrant{scopes: "contacts.read offline_access"}
	f.p.issued = append(f.p.issued, "RT-seed")
	f.p.discoveryDelay = slow
	f.p.mu.Unlock()
	f.p.setRespond(func(form url.Values) (int, any) {
		time.Sleep(slow) // a slow token endpoint
		return f.p.standard(form)
	})
	if _, err := f.v.Import(ctx, ImportRequest{AppID: "crm", Owner: alice, RefreshToken: "RT-seed", Scopes: []string{"contacts.read"}}); err != nil {
		t.Fatal(err)
	}

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens = map[string]int{}
		errs   []error
		start  = make(chan struct{})
	)
	for range 3 {
		v := mustVault(t, f.apps, VaultOptions{ProviderTimeout: providerTimeout, RefreshLockTTL: lockTTL})
		wg.Go(func() {
			<-start
			tok, _, err := v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			tokens[tok.AccessToken]++
		})
	}
	close(start)
	wg.Wait()
	if n := f.p.refreshCalls.Load(); n != 1 {
		t.Errorf("the provider saw %d refreshes of one grant, want 1: a refresh outlived its lock", n)
	}
	if len(errs) > 0 || len(tokens) != 1 {
		t.Errorf("%d fetches failed (first: %v), %d distinct tokens; want every fetch to get the one refreshed token", len(errs), errs, len(tokens))
	}
}

// While a refresh runs, its lock is extended; when it can no longer be extended (it expired and
// was lost), the refresh is told to stop at once rather than at its deadline.
func TestHoldLockExtendsTheLockAndStopsWhenItIsLost(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		f := setupVaultOn(t, s)
		v := mustVault(t, f.apps, VaultOptions{ProviderTimeout: 400 * time.Millisecond, RefreshLockTTL: 600 * time.Millisecond})
		ctx := context.Background()
		key := s.Keys().RefreshLock("user", "alice", "crm", "cn_1")

		lock, err := s.Lock(ctx, key, v.vo.RefreshLockTTL)
		if err != nil {
			t.Fatal(err)
		}
		var left time.Duration
		_, err = v.holdLock(ctx, lock, func(ctx context.Context, deadline time.Time) (storedConn, error) {
			<-ctx.Done() // work until the section's deadline, near the lock's original TTL
			left, _ = s.TTL(context.Background(), key)
			return storedConn{}, context.Cause(ctx)
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a section that ran to its deadline ended with %v", err)
		}
		if left < 300*time.Millisecond {
			t.Errorf("at the end of the section the lock had %v left of its 600ms: it was not extended", left)
		}
		if err := lock.Release(ctx); err != nil {
			t.Fatal(err)
		}

		lock, err = s.Lock(ctx, key, v.vo.RefreshLockTTL)
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		_, err = v.holdLock(ctx, lock, func(ctx context.Context, deadline time.Time) (storedConn, error) {
			if err := s.Delete(ctx, key); err != nil { // the lock is lost
				return storedConn{}, err
			}
			<-ctx.Done()
			return storedConn{}, context.Cause(ctx)
		})
		if !errors.Is(err, errLockLost) || time.Since(began) >= 500*time.Millisecond {
			t.Errorf("after losing its lock the section ended with %v after %v; want errLockLost at the next extension", err, time.Since(began))
		}
	})
}
