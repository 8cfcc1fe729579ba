package oauth

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store/storetest"
)

// triggerRetries makes the vault's background retry wait for the test instead of the wall
// clock: each value sent on the returned channel starts one round.
func triggerRetries(v *Vault) chan<- struct{} {
	tick := make(chan struct{})
	v.unwritten.wait = func(ctx context.Context, _ time.Duration) error {
		select {
		case <-tick:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return tick
}

// storedGen reads the token generation Redis holds for alice's only connection.
func storedGen(t *testing.T, f *vaultFixture) int64 {
	t.Helper()
	g, err := f.v.load(context.Background(), "crm", alice)
	if err != nil || len(g.Conns) != 1 {
		t.Fatalf("read the record: %v", err)
	}
	return g.Conns[0].Gen
}

// waitFor polls cond until it holds, failing the test after a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// The provider rotates refresh tokens and refuses one used twice. Redis refuses to store the
// refreshed pair: the pair is held, later fetches (even a forced one) go on from it without
// ever showing the provider the replaced refresh token, and once Redis takes writes again the
// background retry stores the latest pair.
func TestRefreshedTokensSurviveARefusedWrite(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	tick := triggerRetries(f.v)
	t.Cleanup(func() { _ = f.v.Close() })
	f.connect(t, alice, "")
	old, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	before := storedGen(t, f)
	f.clock.Advance(58 * time.Minute)
	refusal := storetest.RefuseWrites(f.s, f.s.Keys().Tokens("user", "alice", "crm"))

	tok, c := f.fetch(t, FetchRequest{Owner: alice})
	if tok.AccessToken == old.AccessToken || c.Status != StatusActive || f.p.refreshCalls.Load() != 1 {
		t.Fatalf("a refresh whose write Redis refused: %+v, %d refreshes; want the new token", c, f.p.refreshCalls.Load())
	}
	if n := refusal.Refused(); n != refreshWriteAttempts {
		t.Errorf("Redis was asked %d times to store the refreshed pair within the fetch, want %d", n, refreshWriteAttempts)
	}
	// The stored token expires; the held one is served, and the provider is not called.
	f.clock.Advance(5 * time.Minute)
	for range 3 {
		again, c := f.fetch(t, FetchRequest{Owner: alice})
		if again.AccessToken != tok.AccessToken || c.Status != StatusActive {
			t.Fatalf("a fetch while the refreshed pair is held: %+v", c)
		}
	}
	if n := f.p.refreshCalls.Load(); n != 1 {
		t.Fatalf("%d refreshes; the held pair must serve the fetches", n)
	}
	// A forced refresh starts from the held refresh token: the provider accepts it.
	forced, c := f.fetch(t, FetchRequest{Owner: alice, ForceRefresh: true, WithRefreshToken: true})
	if forced.AccessToken == tok.AccessToken || c.Status != StatusActive || f.p.refreshCalls.Load() != 2 {
		t.Fatalf("a forced refresh while a pair is held: %+v", c)
	}
	if storedGen(t, f) != before {
		t.Fatal("Redis took a write while it refused them")
	}
	if !strings.Contains(f.logs.String(), "held in this process") {
		t.Error("holding a refreshed pair was not logged")
	}

	// Redis recovers: the next round of the background retry stores the latest pair.
	refusal.Set(false)
	tick <- struct{}{}
	waitFor(t, "the held pair is written", func() bool { return storedGen(t, f) > before })
	other := mustVault(t, f.apps, VaultOptions{}) // another process: it has only what Redis holds
	got, c, err := other.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice, WithRefreshToken: true})
	if err != nil || got.AccessToken != forced.AccessToken || got.RefreshToken != forced.RefreshToken || c.LastRefreshError != "" {
		t.Fatalf("what Redis holds after the retry: %+v, %v; want the pair of the forced refresh", c, err)
	}
	if n := f.p.refreshCalls.Load(); n != 2 {
		t.Errorf("%d refreshes, want 2", n)
	}
	waitFor(t, "the background retry ends", func() bool {
		f.v.unwritten.mu.Lock()
		defer f.v.unwritten.mu.Unlock()
		return !f.v.unwritten.running
	})
}

// A refresh that lost its lock while the provider answered keeps what the provider issued.
func TestRefreshThatLostItsLockKeepsTheIssuedTokens(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	triggerRetries(f.v)
	t.Cleanup(func() { _ = f.v.Close() })
	res := f.connect(t, alice, "")
	f.clock.Advance(58 * time.Minute)
	lockKey := f.s.Keys().RefreshLock("user", "alice", "crm", res.ConnectionID)
	f.p.setRespond(func(form url.Values) (int, any) {
		if err := f.s.Delete(context.Background(), lockKey); err != nil { // the lock expires
			t.Error(err)
		}
		return f.p.standard(form)
	})
	tok, c := f.fetch(t, FetchRequest{Owner: alice})
	f.p.setRespond(nil)
	again, c2 := f.fetch(t, FetchRequest{Owner: alice})
	if again.AccessToken != tok.AccessToken || c.Status != StatusActive || c2.Status != StatusActive || f.p.refreshCalls.Load() != 1 {
		t.Fatalf("after a refresh that lost its lock: %+v then %+v, %d refreshes", c, c2, f.p.refreshCalls.Load())
	}
}

// Close stops the background retry, trying once more to write what is held.
func TestCloseWritesTheHeldTokensAndStopsTheRetry(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	triggerRetries(f.v) // no round ever starts by itself
	f.connect(t, alice, "")
	before := storedGen(t, f)
	f.clock.Advance(58 * time.Minute)
	refusal := storetest.RefuseWrites(f.s, f.s.Keys().Tokens("user", "alice", "crm"))
	tok, _ := f.fetch(t, FetchRequest{Owner: alice})
	refusal.Set(false)
	if err := f.v.Close(); err != nil {
		t.Fatal(err)
	}
	if storedGen(t, f) == before || f.v.unwritten.running {
		t.Fatal("Close neither wrote the held pair nor stopped the retry")
	}
	got, _, err := mustVault(t, f.apps, VaultOptions{}).Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice})
	if err != nil || got.AccessToken != tok.AccessToken {
		t.Errorf("after Close: %v", err)
	}
}

func TestHeldTokensAreRedactedInLogs(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	u := &unwrittenSet{next: storedConn{Connection: Connection{ID: "cn_1"}, Access: "sealed-access", Refresh: "sealed-refresh"}}
	slog.New(slog.NewTextHandler(&b, nil)).Info("held", "set", u)
	fmt.Fprintf(&b, " %v %+v %s", u, u, u)
	if out := b.String(); strings.Contains(out, "sealed-") || !strings.Contains(out, outbound.Redacted) {
		t.Errorf("a held set printed as %q", out)
	}
}

// A disconnect revokes the tokens held for Redis, the newest, not only the stored ones.
func TestDisconnectRevokesTheHeldTokens(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	triggerRetries(f.v)
	t.Cleanup(func() { _ = f.v.Close() })
	res := f.connect(t, alice, "")
	f.clock.Advance(58 * time.Minute)
	refusal := storetest.RefuseWrites(f.s, f.s.Keys().Tokens("user", "alice", "crm"))
	held, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	refusal.Set(false) // Redis takes writes again before the retry came round
	if _, err := f.v.Disconnect(context.Background(), DisconnectRequest{ConnectionID: res.ConnectionID}); err != nil {
		t.Fatal(err)
	}
	f.p.mu.Lock()
	_, live := f.p.refresh[held.RefreshToken]
	f.p.mu.Unlock()
	if live {
		t.Error("the held refresh token is still live at the provider after a disconnect")
	}
}
