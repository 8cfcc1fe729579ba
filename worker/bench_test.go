package worker_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

// benchStore is the real Redis when OUTFLOW_TEST_REDIS_URL is set, else the embedded one.
func benchStore(b *testing.B) *store.Store {
	if os.Getenv(storetest.EnvRedisURL) != "" {
		return storetest.Real(b)
	}
	return storetest.New(b)
}

// countingReceiver answers 204 and counts, and tells when it has seen want requests.
func countingReceiver(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	return srv, &n
}

// BenchmarkDeliveries measures deliveries per second of one worker to a local receiver
// ("worker"), against plain signed-size POSTs to the same receiver with the same concurrency
// and no Redis ("baseline").
func BenchmarkDeliveries(b *testing.B) {
	b.Run("worker", func(b *testing.B) {
		st := benchStore(b)
		ctx := context.Background()
		ring, _ := store.EphemeralKeyring()
		hooks, err := webhooks.New(webhooks.Options{Store: st, Keyring: ring, Logger: quiet(), Egress: webhooks.Egress{AllowHTTPLoopback: true}})
		if err != nil {
			b.Fatal(err)
		}
		srv, got := countingReceiver(b)
		ep, _, err := hooks.Create(ctx, webhooks.EndpointInput{URL: ptr(srv.URL)})
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			if _, err := hooks.SendTest(ctx, ep.ID); err != nil {
				b.Fatal(err)
			}
		}
		w, err := worker.New(worker.Config{Store: st, Apps: mustApps(b, st, ring), Webhooks: hooks, Logger: quiet(), Poll: 10 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = w.Run(wctx); close(done) }()
		for got.Load() < int64(b.N) {
			if time.Since(start) > time.Minute {
				b.Fatalf("%d of %d handled after a minute", got.Load(), b.N)
			}
			time.Sleep(time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
	})
	b.Run("baseline", func(b *testing.B) {
		srv, got := countingReceiver(b)
		body := bytes.Repeat([]byte("x"), 200)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		sem := make(chan struct{}, 64)
		var wg sync.WaitGroup
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
				if err == nil {
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		b.ReportMetric(float64(got.Load())/elapsed.Seconds(), "deliveries/s")
	})
}

// BenchmarkEnqueueToDelivery measures, with a worker running and the receiver up, the time from
// queuing a delivery to the receiver's getting it, one at a time: p50 and p99 in milliseconds.
func BenchmarkEnqueueToDelivery(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	ring, _ := store.EphemeralKeyring()
	hooks, err := webhooks.New(webhooks.Options{Store: st, Keyring: ring, Logger: quiet(), Egress: webhooks.Egress{AllowHTTPLoopback: true}})
	if err != nil {
		b.Fatal(err)
	}
	arrived := make(chan time.Time, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		arrived <- time.Now()
	}))
	b.Cleanup(srv.Close)
	ep, _, err := hooks.Create(ctx, webhooks.EndpointInput{URL: ptr(srv.URL)})
	if err != nil {
		b.Fatal(err)
	}
	w, err := worker.New(worker.Config{Store: st, Apps: mustApps(b, st, ring), Webhooks: hooks, Logger: quiet(), Poll: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = w.Run(wctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond)
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := hooks.SendTest(ctx, ep.ID); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-arrived).Sub(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkScheduler measures the schedule's cost with 10,000 connections on it: a poll that
// finds nothing due ("idle-poll", what every worker pays every second), and claiming and
// rescheduling all 10,000 once ("claim-all"), against 10,000 bare PINGs in a row
// ("baseline-10k-pings", the round trips claim-all cannot avoid).
func BenchmarkScheduler(b *testing.B) {
	const n = 10000
	fill := func(b *testing.B) (*store.Store, *store.Schedule, time.Time) {
		st := benchStore(b)
		q := st.Schedule(fmt.Sprint("bench", time.Now().UnixNano()))
		now := time.Now()
		for i := range n {
			if err := q.Add(context.Background(), fmt.Sprint("cn_", i), now.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
		return st, q, now
	}
	b.Run("idle-poll", func(b *testing.B) {
		_, q, now := fill(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if c, err := q.Claim(context.Background(), now, time.Minute, 200); err != nil || len(c) != 0 {
				b.Fatal(err, len(c))
			}
		}
	})
	b.Run("baseline-10k-pings", func(b *testing.B) {
		st := benchStore(b)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			for range n {
				if err := st.Ping(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("claim-all", func(b *testing.B) {
		_, q, now := fill(b)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			at := now.Add(time.Duration(i+2) * time.Hour)
			for {
				cs, err := q.Claim(ctx, at, time.Minute, 500)
				if err != nil {
					b.Fatal(err)
				}
				for _, c := range cs {
					if _, err := q.Done(ctx, c, at.Add(time.Hour)); err != nil {
						b.Fatal(err)
					}
				}
				if len(cs) < 500 {
					break
				}
			}
		}
	})
}
