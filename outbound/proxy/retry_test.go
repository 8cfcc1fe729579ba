package proxy

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// limitedOnce answers the first request 429 with Retry-After: 2, and the others 200.
func limitedOnce(calls *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}
}

// A POST is sent again after a Retry-After only when the target allows it.
func TestRetryUnsafeAllowsRetryingAPost(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	f := setup(t, limitedOnce(&calls))
	f.connect(t, "at-first", time.Hour)
	target := aliceAt
	target.RetryUnsafe = true
	resp, err := f.proxy.Client(target).Post(f.api.URL+"/v1/send", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || calls.Load() != 2 || len(f.clock.Sleeps()) != 1 {
		t.Errorf("a POST allowed to retry: %d after %d calls and sleeps %v; want 200 after 2 calls and one wait", resp.StatusCode, calls.Load(), f.clock.Sleeps())
	}
}

// A wait that would outlast the caller's deadline is not taken: the API's 429 is the answer.
func TestRetryAfterPastTheDeadlineIsNotWaited(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	f := setup(t, limitedOnce(&calls))
	f.connect(t, "at-first", time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.api.URL+"/v1/list", nil)
	resp, err := f.proxy.Client(aliceAt).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || len(f.clock.Sleeps()) != 0 {
		t.Errorf("a 2s Retry-After with 1s left: %d, sleeps %v; want the 429 at once", resp.StatusCode, f.clock.Sleeps())
	}
}
