//go:build browser

package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/cmd/outflow/internal/cli"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// demoKey is the management key of `serve --demo` on the embedded Redis when none is
// configured; on a real Redis the tests configure realRedisKey, as long as a key must be.
const (
	demoKey      = "demo"
	realRedisKey = "browser-test-management-key-0123456789"
)

// demo is `outflow serve --demo` running in this process.
type demo struct {
	t    *testing.T
	base string
	// key is the management key.
	key  string
	logs *lockedBuffer
}

// repoRoot is the repository's root, from this package's folder.
const repoRoot = "../../../../"

// startDemo runs `outflow serve --demo` on 127.0.0.1 with a free port, on the embedded Redis or
// on the real one named by OUTFLOW_TEST_REDIS_URL, and stops it when the test ends.
func startDemo(t *testing.T, extra ...string) *demo {
	t.Helper()
	flowsDir, err := filepath.Abs(repoRoot + "examples/flows")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--flows", flowsDir, "--log-format", "json"}, extra...)
	key := demoKey
	if os.Getenv(storetest.EnvRedisURL) != "" {
		st := storetest.Real(t) // its prefix's keys are deleted when the test ends
		keys, err := store.GenerateKey("k1")
		if err != nil {
			t.Fatal(err)
		}
		// On a real Redis the demo needs management keys of its own.
		key = realRedisKey
		args = append(args, "--redis", os.Getenv(storetest.EnvRedisURL), "--prefix", st.Keys().Prefix(), "--keys", keys, "--management-keys", key)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, args, cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	}()
	d := &demo{t: t, key: key, logs: &stderr}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d:\n%s", code, stderr.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down within 20s")
		}
	})
	open := regexp.MustCompile(`Open in a browser\s+(http://\S+?)/\s`)
	deadline := time.Now().Add(30 * time.Second)
	for d.base == "" {
		if m := open.FindStringSubmatch(stdout.String()); m != nil {
			d.base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before it served:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not print its URL within 30s:\n%s\n%s", stdout.String(), stderr.String())
		}
	}
	if code, body := d.get("/healthz"); code != 200 {
		t.Fatalf("healthz: %d %s", code, body)
	}
	return d
}

// api sends a JSON request with the management key and decodes the JSON answer.
func (d *demo) api(method, path string, body any) (int, map[string]any) {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	if err != nil {
		d.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+d.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		d.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func (d *demo) get(path string) (int, string) {
	d.t.Helper()
	resp, err := http.Get(d.base + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startFlow starts a flow for a user as a backend would and returns the execution id and the
// one-time link.
func (d *demo) startFlow(flowID, userID string) (string, string) {
	d.t.Helper()
	code, r := d.api("POST", "/v1/flows/"+flowID+"/start", map[string]any{"userId": userID})
	if code != 200 {
		d.t.Fatalf("start %s: %d %v", flowID, code, r)
	}
	link, _ := r["link"].(map[string]any)
	u, _ := link["url"].(string)
	if !strings.HasPrefix(u, d.base+"/flows/link/") {
		d.t.Fatalf("start %s: no one-time link in %v", flowID, r)
	}
	return r["executionId"].(string), u
}

// lockedBuffer is a bytes.Buffer that the server and the test may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
