package oauth

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// benchBackends runs fn on the embedded store and, when OUTFLOW_TEST_REDIS_URL is set, on the
// real Redis.
func benchBackends(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("embedded", func(b *testing.B) { fn(b, storetest.New(b)) })
	if os.Getenv(storetest.EnvRedisURL) != "" {
		b.Run("redis", func(b *testing.B) { fn(b, storetest.Real(b)) })
	}
}

// benchFixture connects one owner and returns the fixture, the request that fetches its valid
// token, and a key holding a plain value as large as the token record.
func benchFixture(b *testing.B, s *store.Store) (*vaultFixture, FetchRequest, string) {
	f := setupVaultOn(b, s)
	f.connect(b, alice, "")
	req := FetchRequest{AppID: "crm", Owner: alice, Scopes: []string{"contacts.read"}}
	f.fetch(b, req) // warm the app cache and the connection pool
	rec, err := s.Get(context.Background(), f.v.tokensKey("crm", alice))
	if err != nil {
		b.Fatal(err)
	}
	key := s.Keys().BrowserLink("bench-bare-get")
	if err := s.SetValue(context.Background(), key, make([]byte, len(rec.Data)), 0); err != nil {
		b.Fatal(err)
	}
	return f, req, key
}

// BenchmarkFetchValid measures fetching a valid token (one Redis round trip).
func BenchmarkFetchValid(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *store.Store) {
		f, req, _ := benchFixture(b, s)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, _, err := f.v.Fetch(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFetchVsBareGet alternates a fetch of a valid token and a bare GET of a value as large
// as the token record, so both see the same Redis load, and reports the fetch's throughput
// relative to the GET's ("fetch/get": 1 means as fast as a bare GET) and the mean latency of
// each. Its ns/op is that of the pair.
func BenchmarkFetchVsBareGet(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *store.Store) {
		f, req, key := benchFixture(b, s)
		ctx := context.Background()
		var fetch, get time.Duration
		n := 0
		b.ResetTimer()
		for b.Loop() {
			t0 := time.Now()
			if _, _, err := f.v.Fetch(ctx, req); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if _, err := s.GetValue(ctx, key); err != nil {
				b.Fatal(err)
			}
			fetch += t1.Sub(t0)
			get += time.Since(t1)
			n++
		}
		b.ReportMetric(float64(get)/float64(fetch), "fetch/get")
		b.ReportMetric(float64(fetch.Nanoseconds())/float64(n), "fetch-ns")
		b.ReportMetric(float64(get.Nanoseconds())/float64(n), "get-ns")
	})
}

// BenchmarkBareGet is the baseline: a bare GET of a value as large as the token record.
func BenchmarkBareGet(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *store.Store) {
		_, _, key := benchFixture(b, s)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := s.GetValue(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParallelFetchVsBareGet compares throughput under concurrency, in the same run:
// GOMAXPROCS goroutines fetch a valid token b.N times in all, then as many GET a value as large
// as the token record b.N times. It reports the fetch's throughput relative to the bare GET's
// ("fetch/get": 1 means as many fetches per second as GETs) and each one's operations per
// second. Its ns/op is that of the pair.
func BenchmarkParallelFetchVsBareGet(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *store.Store) {
		f, req, key := benchFixture(b, s)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		t0 := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := f.v.Fetch(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
		t1 := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetValue(ctx, key); err != nil {
					b.Error(err)
					return
				}
			}
		})
		fetch, get := t1.Sub(t0), time.Since(t1)
		b.ReportMetric(get.Seconds()/fetch.Seconds(), "fetch/get")
		b.ReportMetric(float64(b.N)/fetch.Seconds(), "fetch/s")
		b.ReportMetric(float64(b.N)/get.Seconds(), "get/s")
	})
}
