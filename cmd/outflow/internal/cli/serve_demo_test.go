package cli

import (
	"context"
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

	_, base := serveLog(t, append(args[4:], "--demo", "--addr", "127.0.0.1:0", "--management-keys", "a-key-of-my-own")...)
	if code, _ := call(t, "GET", base+"/v1/apps", demoManagementKey, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/apps with the demo key: %d, want 401", code)
	}
	if code, _ := call(t, "GET", base+"/v1/apps", "a-key-of-my-own", nil); code != http.StatusOK {
		t.Errorf("GET /v1/apps with the configured key: %d", code)
	}
}
