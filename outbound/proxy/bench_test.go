package proxy

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// staticHeader is the baseline transport: a bare client adding a fixed Authorization header and
// the fixture app's API header, so that both clients put the same bytes on the wire.
type staticHeader struct{ base http.RoundTripper }

func (s staticHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer static-token")
	r.Header.Set("Crm-Version", "2026-01")
	return s.base.RoundTrip(r)
}

// small is the upstream of the benchmarks: a short JSON answer.
func small(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"contacts":[{"id":"c1","name":"Ada Lovelace"}]}`)
}

// getOnce sends one GET with c and returns how long it took.
func getOnce(b *testing.B, c *http.Client, url string) time.Duration {
	start := time.Now()
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatal(resp.Status)
	}
	return time.Since(start)
}

// BenchmarkTransport compares a client through the proxy's Transport (token from the vault,
// back-off check, header clean-up) with a bare client adding a static header, on the same local
// upstream: the ratio of their ns/op is the proxy's cost.
func BenchmarkTransport(b *testing.B) {
	f := setup(b, http.HandlerFunc(small))
	f.connect(b, "at-bench", 24*time.Hour)
	url := f.api.URL + "/v1/contacts"
	bare := &http.Client{Transport: staticHeader{base: newTransport(DefaultResponseTimeout)}}
	ours := f.proxy.Client(aliceAt)
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			getOnce(b, bare, url)
		}
	})
	b.Run("proxy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			getOnce(b, ours, url)
		}
	})
	// Both in one loop, request by request, so a busy machine slows both alike: the reported
	// ratio is the Transport's throughput relative to the bare client's. On a loaded machine a
	// stall lands on one request of a pair and swings the sums; the median of the per-pair
	// ratios is reported beside them, as it is not swayed by a few stalls.
	b.Run("interleaved", func(b *testing.B) {
		var base, proxied time.Duration
		var pairs []float64
		for b.Loop() {
			bt, pt := getOnce(b, bare, url), getOnce(b, ours, url)
			base, proxied = base+bt, proxied+pt
			pairs = append(pairs, float64(bt)/float64(pt))
		}
		slices.Sort(pairs)
		b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "bare-ns/req")
		b.ReportMetric(float64(proxied.Nanoseconds())/float64(b.N), "proxy-ns/req")
		b.ReportMetric(float64(base)/float64(proxied), "throughput-ratio")
		b.ReportMetric(pairs[len(pairs)/2], "median-pair-ratio")
	})
}
