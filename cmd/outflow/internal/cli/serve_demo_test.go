package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/outflowhq/outflow/store"
)

// `serve --demo` on a real Redis, which outlives the process and may be shared, refuses to start
// with the demo's public management key: it needs keys of its own, and says where to set them.
// With keys it serves, and "demo" is not one of them.
func TestServeDemoOnARealRedisNeedsManagementKeys(t *testing.T) {
	t.Parallel()
	redis := miniredis.RunT(t) // a Redis server that is not the embedded one
	keys, err := store.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--flows", examplesDir(t), "--redis", "redis://" + redis.Addr(), "--keys", keys}
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := Main(ctx, args, Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code == 0 || !strings.Contains(stderr.String(), "OUTFLOW_MANAGEMENT_KEYS") || !strings.Contains(stderr.String(), "--management-keys") ||
		!strings.Contains(stderr.String(), "--demo on a real Redis") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "Outflow demo is running") {
		t.Errorf("the demo banner was printed:\n%s", stdout.String())
	}

	_, base := serveLog(t, append(args[4:], "--demo", "--addr", "127.0.0.1:0", "--management-keys", "a-key-of-my-own-32-characters-long")...)
	if code, _ := call(t, "GET", base+"/v1/apps", demoManagementKey, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/apps with the demo key: %d, want 401", code)
	}
	if code, _ := call(t, "GET", base+"/v1/apps", "a-key-of-my-own-32-characters-long", nil); code != http.StatusOK {
		t.Errorf("GET /v1/apps with the configured key: %d", code)
	}
}

// Without --addr, the demo (which has a well-known management key) listens on this machine only,
// with its links on localhost; serve without --demo listens on every interface.
func TestTheDemoListensOnThisMachineOnlyByDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr          string
		demo          bool
		want, wantURL string
	}{
		{"", true, "127.0.0.1:8080", "localhost"},
		{"", false, ":8080", ""},
		{":9000", true, ":9000", ""},
		{"127.0.0.1:0", false, "127.0.0.1:0", ""},
	} {
		if addr, host := listenAddr(tc.addr, tc.demo); addr != tc.want || host != tc.wantURL {
			t.Errorf("--addr %q, demo %v: listens on %q with links on %q, want %q and %q", tc.addr, tc.demo, addr, host, tc.want, tc.wantURL)
		}
	}
	ln := fakeAddr("127.0.0.1:8080")
	if got := localURL(ln, demoLinkHost); got != "http://localhost:8080" {
		t.Errorf("the default demo's URL: %s", got)
	}
	if got := localURL(fakeAddr("[::]:8080"), ""); got != "http://localhost:8080" {
		t.Errorf("every interface: %s", got)
	}
	if got := localURL(fakeAddr("127.0.0.1:9000"), ""); got != "http://127.0.0.1:9000" {
		t.Errorf("an explicit address: %s", got)
	}
}

// fakeAddr is a net.Addr of a TCP listener at s.
type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

// serve on this machine answers 421 to a request for another host than its public URL's, so a
// page that rebinds a domain of its own to this machine gets nothing; loopback names are one
// host for a local URL, and the probes answer whatever the Host.
func TestServeAnswers421ToAnotherHost(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	_, base := serveLog(t, "--demo", "--addr", addr)
	port := addr[strings.LastIndex(addr, ":")+1:]
	for host, want := range map[string]int{
		addr: http.StatusOK, "localhost:" + port: http.StatusOK, "[::1]:" + port: http.StatusOK,
		"rebind.evil.example:" + port: http.StatusMisdirectedRequest, "rebind.evil.example": http.StatusMisdirectedRequest,
	} {
		for path, status := range map[string]int{"/": want, "/v1/openapi.json": want, "/sandbox/.well-known/openid-configuration": want, "/healthz": http.StatusOK} {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != status || (status == http.StatusMisdirectedRequest && !strings.Contains(string(body), "misdirected_request")) {
				t.Errorf("GET %s with Host %s: %d %s, want %d", path, host, resp.StatusCode, body, status)
			}
		}
	}
}

// A server whose public URL is elsewhere sits behind proxies that may set the Host header their own
// way: it takes any Host.
func TestServeBehindAPublicURLTakesAnyHost(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	serveLog(t, "--demo", "--addr", addr, "--public-url", "https://auth.example.com")
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/openapi.json", nil)
	req.Host = "backend.internal:8080"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json with Host backend.internal: %d %s", resp.StatusCode, body)
	}
}

// A server told to listen on every interface, with no public URL, is reached by whatever names
// its callers use (another container, a LAN address): it takes any Host.
func TestServeOnEveryInterfaceTakesAnyHost(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]
	serveLog(t, "--demo", "--addr", "0.0.0.0:"+port)
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+"/v1/openapi.json", nil)
	req.Host = "outflow.internal:" + port
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json with Host outflow.internal: %d %s", resp.StatusCode, body)
	}
}
