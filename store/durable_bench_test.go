package store_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/outflowhq/outflow/internal/redistest"
	"github.com/outflowhq/outflow/store"
)

// The cost of waiting for a replica: a 600-byte record write on a master with one replica, with
// WAIT 1 (durability=all) and without (durability=tokens), one after the other in the same loop
// so that load from elsewhere slows both alike. It reports each one's time and their ratio.
//
//	go test -run '^$' -bench ReplicaWait -benchtime 3000x ./store/
func BenchmarkReplicaWait(b *testing.B) {
	master := redistest.Server(b)
	redistest.Replica(b, master)
	open := func(mode string) *store.Store {
		s, err := store.Open(b.Context(), store.Options{URL: "redis://" + master.Addr() + "/0?durability=" + mode, Prefix: "bench" + mode})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	waiting, plain := open("all"), open("tokens")
	data := bytes.Repeat([]byte("x"), 600)
	var tWait, tPlain time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range b.N {
		key := run + ":" + strconv.Itoa(i)
		start := time.Now()
		if _, err := plain.Put(b.Context(), "plain:"+key, 0, data, time.Minute); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := waiting.Put(b.Context(), "wait:"+key, 0, data, time.Minute); err != nil {
			b.Fatal(err)
		}
		tPlain += mid.Sub(start)
		tWait += time.Since(mid)
	}
	b.ReportMetric(float64(tPlain.Nanoseconds())/float64(b.N), "no-wait-ns/write")
	b.ReportMetric(float64(tWait.Nanoseconds())/float64(b.N), "wait-ns/write")
	b.ReportMetric(float64(tWait)/float64(tPlain), "wait/no-wait")
}
