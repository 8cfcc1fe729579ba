package cli

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// startupPingTimeout bounds serve's first PING in these tests, so a Redis that does not answer
// is given up on in a second rather than the default five.
const startupPingTimeout = time.Second

// serveUntilExit runs `outflow serve --log-format json` with args and returns its exit code and
// stderr once it exits, and while it runs, whether something accepted a connection at addr.
func serveUntilExit(t *testing.T, addr string, args ...string) (code int, stderr string, accepted bool) {
	t.Helper()
	keys, err := store.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{"serve", "--addr", addr, "--flows", examplesDir(t), "--log-format", "json", "--keys", keys, "--management-keys", testManagementKey}, args...)
	var buf lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), all, Env{Stdout: &buf, Stderr: &buf, Getenv: func(string) string { return "" }, RedisPingTimeout: startupPingTimeout})
	}()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case code := <-done:
			return code, buf.String(), accepted
		case <-deadline:
			t.Fatalf("serve did not exit:\n%s", buf.String())
		case <-time.After(50 * time.Millisecond):
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				accepted = true
			}
		}
	}
}

// While Redis does not answer, serve does not listen (a health check would hang on a server that
// cannot serve); it gives up after the store's bound and says why.
func TestServeListensOnlyOnceRedisAnswers(t *testing.T) {
	addr := freeAddr(t)
	code, stderr, accepted := serveUntilExit(t, addr, "--redis", "redis://"+storetest.Silent(t)+"/0?read_timeout=1m")
	if code == 0 || !strings.Contains(stderr, "no answer within "+startupPingTimeout.String()) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if accepted {
		t.Error("serve accepted connections before Redis answered")
	}
}

// go-redis's own notices (here, the pool failing to dial a Sentinel) join the structured log:
// with --log-format json every line on stderr is JSON.
func TestServeLogsTheRedisClientsNoticesInItsFormat(t *testing.T) {
	code, stderr, _ := serveUntilExit(t, freeAddr(t), "--redis", "redis+sentinel://"+freeAddr(t)+"/mymaster")
	if code == 0 {
		t.Fatalf("serve started without a Sentinel:\n%s", stderr)
	}
	fromRedis := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a line on stderr is not JSON: %s", line)
			continue
		}
		if rec["component"] == "go-redis" && rec["level"] == "WARN" {
			fromRedis++
		}
	}
	if fromRedis == 0 {
		t.Errorf("no notice of the Redis client in the log:\n%s", stderr)
	}
}

// A keyring whose key has the id of the key that sealed what Redis holds, and other bytes, would
// seal new secrets the original key cannot open and leave the stored ones unreadable: serve
// refuses to start and names the key id, never the key.
func TestServeRefusesAKeyringThatDoesNotOpenWhatRedisHolds(t *testing.T) {
	s := storetest.Real(t)
	original, err := store.GenerateKey("k1") // serveUntilExit makes another k1
	if err != nil {
		t.Fatal(err)
	}
	kr, err := store.ParseKeyring(original)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckKeyring(context.Background(), kr); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	code, stderr, accepted := serveUntilExit(t, addr, "--redis", os.Getenv(storetest.EnvRedisURL), "--prefix", s.Keys().Prefix())
	if code == 0 || !strings.Contains(stderr, `keyring key \"k1\"`) {
		t.Errorf("exit %d, want a refusal naming key k1; stderr:\n%s", code, stderr)
	}
	if accepted {
		t.Error("serve accepted connections with the wrong keyring")
	}
	_, b64, _ := strings.Cut(original, ":")
	if strings.Contains(stderr, b64) {
		t.Error("the log shows key material")
	}
}
