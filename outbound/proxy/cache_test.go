package proxy

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store/storetest"
)

// A busy connection reads Redis once per CredentialTTL, and another instance's back-off reaches
// an instance that had cached none once its TTL has passed.
func TestCredentialCache(t *testing.T) {
	t.Parallel()
	var limit atomic.Bool
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limit.CompareAndSwap(true, false) {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	f.connect(t, "at-first", time.Hour)
	other := f.newInstance(t, clockAt(epoch))
	get(t, other, f.api.URL+"/v1/a") // other caches the credential and no back-off
	count := storetest.CountRoundTrips(f.s)
	for range 5 {
		get(t, other, f.api.URL+"/v1/a")
	}
	if n := count.Count(); n != 0 {
		t.Errorf("%d Redis round trips for 5 requests within the TTL; want none", n)
	}
	limit.Store(true)
	resp, err := f.proxy.Client(aliceAt).Post(f.api.URL+"/v1/send", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // the first instance records a 5s back-off
	get(t, other, f.api.URL+"/v1/a")
	if len(other.clock.Sleeps()) != 0 {
		t.Fatalf("the other instance waited within its TTL: %v", other.clock.Sleeps())
	}
	other.clock.Advance(DefaultCredentialTTL)
	get(t, other, f.api.URL+"/v1/a")
	if sl := other.clock.Sleeps(); len(sl) != 1 || sl[0] < 3*time.Second {
		t.Errorf("past its TTL the other instance slept %v; want the back-off's remaining ~4s", sl)
	}
}
