package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestConcurrentFetchesRefreshOnce(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.connect(t, alice, "")
	f.clock.Advance(58 * time.Minute)
	release := make(chan struct{})
	f.p.setRespond(func(form url.Values) (int, any) {
		<-release // hold the refresh until every caller is waiting on it
		return f.p.standard(form)
	})
	const n = 40
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens = map[string]int{}
		errs   []error
	)
	for range n {
		wg.Go(func() {
			tok, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			tokens[tok.AccessToken]++
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.p.refreshCalls.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no refresh reached the provider within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d fetches failed, first: %v", len(errs), errs[0])
	}
	if calls := f.p.refreshCalls.Load(); calls != 1 || len(tokens) != 1 {
		t.Errorf("%d refreshes and %d distinct tokens for %d concurrent fetches; want 1 and 1", calls, len(tokens), n)
	}
}

func TestTransientFailureBacksOffAndServesTheValidToken(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.connect(t, alice, "")
	valid, _ := f.fetch(t, FetchRequest{Owner: alice})
	f.p.setRespond(func(url.Values) (int, any) {
		return 503, map[string]any{"error": "temporarily_unavailable", "error_description": "maintenance"}
	})
	f.clock.Advance(57 * time.Minute)
	tok, c := f.fetch(t, FetchRequest{Owner: alice})
	if tok.AccessToken != valid.AccessToken {
		t.Error("the still-valid token was not served while the provider fails")
	}
	if c.LastRefreshError == "" || c.RefreshFailures != 1 || !c.NextRefreshAt.After(f.clock.Now()) || c.Status != StatusActive {
		t.Errorf("health after a failure: %+v", c)
	}
	calls := f.p.refreshCalls.Load()
	for range 5 {
		f.fetch(t, FetchRequest{Owner: alice})
	}
	if f.p.refreshCalls.Load() != calls {
		t.Error("the provider was called again before nextRefreshAt")
	}
	// Expired while the provider is still down: a retryable error, not the expired token.
	f.clock.Set(c.ExpiresAt.Add(time.Second))
	_, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice})
	var rf *RefreshFailedError
	if !errors.As(err, &rf) || !errors.Is(err, ErrRefreshFailed) || rf.RetryAt.IsZero() {
		t.Fatalf("expired token with a failing provider: %v", err)
	}
	_, c2, _ := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice})
	if c2 != nil {
		t.Fatal("an expired token was served")
	}
	// The provider recovers: after the backoff the next fetch refreshes and clears the error.
	f.p.setRespond(nil)
	list, _ := f.v.List(context.Background(), alice, "crm")
	f.clock.Set(list[0].NextRefreshAt.Add(time.Second))
	tok, c = f.fetch(t, FetchRequest{Owner: alice})
	if tok.AccessToken == valid.AccessToken || c.LastRefreshError != "" || c.RefreshFailures != 0 || !c.NextRefreshAt.IsZero() {
		t.Errorf("after recovery: %+v", c)
	}
}

func TestRefusedGrantNeedsReauthAndFailsFast(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	res := f.connect(t, alice, "work")
	f.p.setRespond(func(url.Values) (int, any) {
		return 400, map[string]any{"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
	})
	f.clock.Advance(58 * time.Minute)
	_, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice})
	var ra *ReauthRequiredError
	if !errors.As(err, &ra) || ra.ConnectionID != res.ConnectionID || ra.Connect.ExternalID != "work" || ra.Connect.AppID != "crm" {
		t.Fatalf("err = %v, want a ReauthRequiredError with a reconnect hint", err)
	}
	calls := f.p.tokenCalls.Load()
	for range 5 {
		if _, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice, ForceRefresh: true}); !errors.Is(err, ErrReauthRequired) {
			t.Fatalf("later fetch: %v", err)
		}
	}
	if f.p.tokenCalls.Load() != calls {
		t.Error("the provider was called again for a connection that needs re-authentication")
	}
	list, _ := f.v.List(context.Background(), alice, "")
	if len(list) != 1 || list[0].Status != StatusNeedsReauth || list[0].LastRefreshError == "" {
		t.Errorf("health: %+v", list)
	}
	// Reconnecting the same account heals it, keeping its id.
	f.p.setRespond(nil)
	again := f.connect(t, alice, "work")
	tok, c := f.fetch(t, FetchRequest{Owner: alice})
	if again.ConnectionID != res.ConnectionID || c.Status != StatusActive || tok.AccessToken == "" {
		t.Errorf("after reconnect: %+v", c)
	}
}

func TestRefusedGrantAfterAnotherRefreshWonUsesItsResult(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	res := f.connect(t, alice, "")
	f.clock.Advance(58 * time.Minute)
	var winner string
	f.p.setRespond(func(form url.Values) (int, any) {
		// Another process refreshes this grant just before our request lands.
		_, err := f.v.update(context.Background(), "crm", alice, func(g *grantRecord) error {
			c := &g.Conns[g.find(res.ConnectionID)]
			winner = "AT-winner-" + f.clock.Now().String()
			c.ExpiresAt, c.IssuedAt = f.clock.Now().Add(time.Hour), f.clock.Now()
			return f.v.setTokens(c, winner, "RT-winner")
		})
		if err != nil {
			t.Error(err)
		}
		return 400, map[string]any{"error": "invalid_grant"}
	})
	tok, c := f.fetch(t, FetchRequest{Owner: alice})
	if tok.AccessToken != winner || c.Status != StatusActive {
		t.Errorf("got %v (%s); want the winning refresh's token and an active connection", tok, c.Status)
	}
}

func TestExpiredTokenWithoutRefreshTokenNeedsReauth(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.p.setRespond(func(form url.Values) (int, any) {
		status, body := f.p.standard(form)
		delete(body.(map[string]any), "refresh_token")
		return status, body
	})
	f.connect(t, alice, "")
	f.clock.Advance(58 * time.Minute) // in the margin but valid: served, nothing to refresh with
	if _, c := f.fetch(t, FetchRequest{Owner: alice}); c.HasRefreshToken {
		t.Fatal("hasRefreshToken with none issued")
	}
	_, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice, ForceRefresh: true})
	if !errors.Is(err, ErrReauthRequired) {
		t.Errorf("forced refresh without a refresh token: %v", err)
	}
	f.clock.Advance(3 * time.Minute)
	_, _, err = f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice})
	if !errors.Is(err, ErrReauthRequired) {
		t.Fatalf("expired without a refresh token: %v, want ErrReauthRequired (never the expired token)", err)
	}
	if list, _ := f.v.List(context.Background(), alice, ""); list[0].Status != StatusNeedsReauth {
		t.Errorf("status %s", list[0].Status)
	}
	if n := f.p.refreshCalls.Load(); n != 0 {
		t.Errorf("%d refresh calls without a refresh token", n)
	}
}

func TestBackoffDelayGrowsAndIsCapped(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 20: 30 * time.Minute} {
		for range 20 {
			if d := backoffDelay(n); d < want*8/10 || d > want*12/10 {
				t.Errorf("backoffDelay(%d) = %v, want %v ±20%%", n, d, want)
			}
		}
	}
}

// A provider that echoes the tokens it was sent, or the client secret, in its error_description
// must not get them into the connection's health, its events or the logs.
func TestProviderErrorsAreScrubbedOfSecrets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		status int
		code   string
	}{
		{"refused grant", 400, "invalid_grant"},
		{"transient failure", 503, "temporarily_unavailable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupVault(t)
			ctx := context.Background()
			f.connect(t, alice, "")
			held, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
			f.p.setRespond(func(form url.Values) (int, any) {
				return tt.status, map[string]any{"error": tt.code, "error_description": "refresh_token=" + form.Get("refresh_token") +
					" (access " + held.AccessToken + ") of client " + fakeClientID + ":" + url.QueryEscape(fakeSecret) + " is not accepted"}
			})
			f.clock.Advance(58 * time.Minute)
			_, _, _ = f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice})
			list, err := f.v.List(ctx, alice, "")
			if err != nil || len(list) != 1 {
				t.Fatalf("list: %v %v", list, err)
			}
			health := list[0].LastRefreshError + " " + list[0].StatusReason
			if !strings.Contains(health, tt.code) || !strings.Contains(health, "REDACTED") || !strings.Contains(health, "is not accepted") {
				t.Errorf("health %q: want the provider's code and description, with the secrets redacted", health)
			}
			for name, secret := range map[string]string{"refresh token": held.RefreshToken, "access token": held.AccessToken, "client secret": fakeSecret} {
				if strings.Contains(health, secret) || strings.Contains(f.logs.String(), secret) {
					t.Errorf("the %s is in the connection's health or the logs", name)
				}
				if hits := storetest.Find(t, f.s, secret); len(hits) > 0 {
					t.Errorf("the %s is in Redis (events or records) in plain text: %v", name, hits)
				}
			}
		})
	}
}

// An app whose provider is said to rotate refresh tokens, but whose refresh returns none: the
// old refresh token is kept, and the connection's health and the logs say something is off.
func TestRotatingAppWhoseRefreshDoesNotRotate(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) { p.Refresh = &apps.RefreshPolicyPatch{RotatesRefreshToken: ptr(true)} })
	f.connect(t, alice, "")
	before, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	f.p.mu.Lock()
	f.p.rotate = false
	f.p.mu.Unlock()
	f.clock.Advance(time.Hour)
	tok, c := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	if tok.AccessToken == before.AccessToken || tok.RefreshToken != before.RefreshToken || c.Status != StatusActive {
		t.Fatalf("after a refresh without rotation: new access token %v, kept refresh token %v, %s",
			tok.AccessToken != before.AccessToken, tok.RefreshToken == before.RefreshToken, c.Status)
	}
	if !strings.Contains(c.LastRefreshError, "rotates refresh tokens") || !strings.Contains(f.logs.String(), "rotates refresh tokens") {
		t.Errorf("lastRefreshError %q, and no warning in the logs: want both to say the provider did not rotate", c.LastRefreshError)
	}
	f.p.mu.Lock()
	f.p.rotate = true
	f.p.mu.Unlock()
	f.clock.Advance(time.Hour)
	if _, c := f.fetch(t, FetchRequest{Owner: alice}); c.LastRefreshError != "" {
		t.Errorf("a rotating refresh did not clear the warning: %q", c.LastRefreshError)
	}
}
