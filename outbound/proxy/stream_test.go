package proxy

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// A 200 MB download streams through in constant memory: the heap grows by far less than the
// body.
func TestLargeResponseStreamsInConstantMemory(t *testing.T) {
	const size = 200 << 20
	chunk := make([]byte, 64<<10)
	f := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	f.connect(t, "at-first", time.Hour)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := f.proxy.Client(aliceAt).Get(f.api.URL + "/v1/export")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var peak uint64
	buf := make([]byte, 32<<10)
	var n int64
	for {
		m, err := resp.Body.Read(buf)
		n += int64(m)
		if n%(16<<20) < int64(m) {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != size {
		t.Fatalf("read %d bytes, want %d", n, size)
	}
	growth := int64(peak) - int64(before.HeapAlloc)
	t.Logf("heap growth while streaming 200 MB: %.1f MiB", float64(growth)/(1<<20))
	if growth > 32<<20 {
		t.Errorf("the heap grew by %.1f MiB while streaming 200 MB; want under 32 MiB", float64(growth)/(1<<20))
	}
}
