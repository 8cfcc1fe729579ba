package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
)

// serveLog runs `outflow serve --log-format json` on the example flows' folder with args (and no
// management key unless args has one) until the test ends, and returns its stderr and the URL it
// says it serves at.
func serveLog(t *testing.T, args ...string) (*lockedBuffer, string) {
	t.Helper()
	return serveArgs(t, append([]string{"--flows", examplesDir(t)}, args...)...)
}

// serveArgs is serveLog without a --flows of its own.
func serveArgs(t *testing.T, args ...string) (*lockedBuffer, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lockedBuffer{}
	done := make(chan int, 1)
	all := append([]string{"serve", "--log-format", "json"}, args...)
	go func() {
		done <- Main(ctx, all, Env{Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d:\n%s", code, stderr)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, line := range strings.Split(stderr.String(), "\n") {
			var rec struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "outflow is serving" {
				return stderr, rec.URL
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before serving:\n%s", code, stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start in time:\n%s", stderr)
		}
	}
}

// freeAddr is a free local address to listen on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// With no management key on the embedded Redis, serve generates one and prints it once on
// stderr, as a plain line that says how to set one: never in the structured log. The README's
// curl commands work with it.
func TestServePrintsAGeneratedManagementKeyOnceOutsideTheLog(t *testing.T) {
	t.Parallel()
	stderr, base := serveLog(t, "--addr", "127.0.0.1:0")
	m := regexp.MustCompile(`(?m)^Management key of this process \(generated: OUTFLOW_MANAGEMENT_KEYS is not set\): (\S+)$`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr has no line with the generated key:\n%s", stderr)
	}
	key := m[1]
	out := stderr.String()
	if strings.Count(out, key) != 1 || !strings.Contains(out, "set OUTFLOW_MANAGEMENT_KEYS (or --management-keys)") {
		t.Errorf("the key appears %d times, or stderr does not say how to set one:\n%s", strings.Count(out, key), out)
	}
	for _, line := range strings.Split(out, "\n") {
		if json.Valid([]byte(line)) && strings.Contains(line, key) {
			t.Errorf("a log line holds the key: %s", line)
		}
	}
	if code, _ := call(t, "GET", base+"/v1/apps", key, nil); code != http.StatusOK {
		t.Errorf("GET /v1/apps with the printed key: %d", code)
	}
	if code, _ := call(t, "GET", base+"/v1/apps", "", nil); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/apps without a key: %d", code)
	}
}

// On a real Redis with no --public-url, links would point at this machine: serve says so.
func TestServeWarnsWhenLinksWouldPointAtThisMachine(t *testing.T) {
	t.Parallel()
	redis := miniredis.RunT(t) // a Redis server that is not the embedded one
	keys, err := store.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--addr", "127.0.0.1:0", "--redis", "redis://" + redis.Addr(), "--keys", keys, "--management-keys", testManagementKey}
	stderr, _ := serveLog(t, args...)
	if !strings.Contains(stderr.String(), "no --public-url (OUTFLOW_PUBLIC_URL) set") {
		t.Errorf("no warning about the public URL:\n%s", stderr)
	}
	stderr, _ = serveLog(t, append(args, "--public-url", "https://auth.example.com")...)
	if strings.Contains(stderr.String(), "no --public-url") {
		t.Errorf("a warning with the public URL set:\n%s", stderr)
	}
}

// A public URL with a path (https://auth.example.com/outflow) is where serve serves everything,
// and the links it makes point there.
func TestServeServesUnderThePublicURLsPath(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	_, base := serveLog(t, "--addr", addr, "--public-url", "http://"+addr+"/outflow/", "--management-keys", testManagementKey)
	if base != "http://"+addr+"/outflow" {
		t.Fatalf("serve says it serves at %q", base)
	}
	root := "http://" + addr
	if code, _ := call(t, "GET", root+"/outflow/healthz", "", nil); code != http.StatusOK {
		t.Errorf("GET /outflow/healthz: %d", code)
	}
	code, r := call(t, "POST", root+"/outflow/v1/flows/choose-plan/start", testManagementKey, map[string]any{"userId": "u1", "input": map[string]any{"greeting": "Hi"}})
	link, _ := r["link"].(map[string]any)
	u, _ := link["url"].(string)
	if code != http.StatusOK || !strings.HasPrefix(u, root+"/outflow/flows/link/") {
		t.Fatalf("start: %d %v", code, r)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `action="/outflow/flows/link/`) {
		t.Errorf("the link's page: %d\n%s", resp.StatusCode, page)
	}
}

// A management key anyone could guess is refused at start, before anything listens: every
// configured key needs 32 characters or more. The message says which key is short and how to
// make one, never the key.
func TestServeRefusesShortManagementKeys(t *testing.T) {
	long := strings.Repeat("k", server.MinManagementKeyLen)
	for keys, which := range map[string]string{"k": "management key 1 of 1", long + ",short-key-9": "management key 2 of 2", "demo": "management key 1 of 1"} {
		var stderr lockedBuffer
		args := []string{"serve", "--addr", "127.0.0.1:0", "--flows", examplesDir(t), "--management-keys", keys}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a server that starts stops then, with 0
		code := Main(ctx, args, Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }})
		cancel()
		out := stderr.String()
		if code == 0 || !strings.Contains(out, which) || !strings.Contains(out, "at least 32 characters") {
			t.Errorf("--management-keys %q: exit %d:\n%s", keys, code, out)
		}
		if strings.Contains(out, "short-key-9") || strings.Contains(out, long) {
			t.Errorf("the error names the key:\n%s", out)
		}
	}
	if _, _, err := managementKeys(serveConfig{managementKeys: long}, true, slog.New(slog.DiscardHandler)); err != nil {
		t.Errorf("a key of %d characters: %v", len(long), err)
	}
}
