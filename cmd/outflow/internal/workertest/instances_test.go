package workertest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
)

func childArgs() []string { return strings.Split(os.Getenv("OUTFLOW_WORKERTEST_ARGS"), "\x1f") }

// cluster is a Redis prefix shared by the test and its worker processes.
type cluster struct {
	url, prefix, keys string
	st                *store.Store
	apps              *apps.Apps
	hooks             *webhooks.Webhooks
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	url := os.Getenv("OUTFLOW_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("OUTFLOW_REQUIRE_REDIS") == "1" {
			t.Fatal("OUTFLOW_REQUIRE_REDIS=1 but OUTFLOW_TEST_REDIS_URL is not set")
		}
		t.Skip("worker processes share a real Redis: set OUTFLOW_TEST_REDIS_URL")
	}
	c := &cluster{url: url, prefix: "wt" + strings.ToLower(rand.Text()[:10])}
	var err error
	if c.keys, err = store.GenerateKey("k1"); err != nil {
		t.Fatal(err)
	}
	ring, err := store.ParseKeyring(c.keys)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if c.st, err = store.Open(context.Background(), store.Options{URL: url, Prefix: c.prefix, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = c.st.Scan(ctx, c.st.Keys().Pattern(), func(k string) error { return c.st.Delete(ctx, k) })
		_ = c.st.Close()
	})
	if err := c.st.CheckKeyring(context.Background(), ring); err != nil {
		t.Fatal(err)
	}
	if c.apps, err = apps.NewApps(apps.Options{Store: c.st, Keyring: ring, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if c.hooks, err = webhooks.New(webhooks.Options{Store: c.st, Keyring: ring, Logger: quiet, Egress: webhooks.Egress{AllowHTTPLoopback: true}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// start runs `outflow worker` in a process of its own; it is killed when the test ends.
func (c *cluster) start(t *testing.T, name string) *exec.Cmd {
	t.Helper()
	args := []string{"worker", "--redis", c.url, "--prefix", c.prefix, "--webhooks-allow-http-loopback", "--visibility-timeout", "2s", "--log-format", "json"}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", "OUTFLOW_WORKERTEST_ARGS="+strings.Join(args, "\x1f"), "OUTFLOW_KEYS="+c.keys)
	logf, err := os.Create(t.TempDir() + "/" + name + ".log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		_ = logf.Close()
	})
	return cmd
}

// receiver verifies every delivery with the Standard Webhooks library and records the ids.
type receiver struct {
	*httptest.Server
	verifier *standardwebhooks.Webhook
	mu       sync.Mutex
	ids      map[string]events.Type
	bad      int
	// hold keeps the first request open until it is closed; down answers 503.
	hold     chan struct{}
	held     chan struct{}
	holdOnce sync.Once
	down     atomic.Bool
	raw      []delivery
}

type delivery struct {
	body   []byte
	header http.Header
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{ids: map[string]events.Type{}, hold: make(chan struct{}), held: make(chan struct{})}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	first := false
	rc.holdOnce.Do(func() { first = true })
	if first {
		close(rc.held)
		<-rc.hold // the worker making this request is killed meanwhile
		return
	}
	if rc.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.raw = append(rc.raw, delivery{body: body, header: r.Header.Clone()})
	if err := rc.verifier.Verify(body, r.Header); err != nil {
		rc.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev events.Event
	_ = json.Unmarshal(body, &ev)
	rc.ids[r.Header.Get("webhook-id")] = ev.Type
	w.WriteHeader(http.StatusOK)
}

func (rc *receiver) count() (int, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.ids), rc.bad
}

func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Three worker processes and one receiver: the worker that holds a delivery is killed with
// SIGKILL mid-request and another one delivers it after the visibility timeout; while the
// receiver is down deliveries are retried and arrive once it is up; every delivery verifies with
// the Standard Webhooks library, and none with another secret; SIGTERM stops the others cleanly
// with no lease held.
func TestThreeInstancesDeliverEveryEventDespiteAKillAndAnOutage(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	rc := newReceiver(t)
	_, secret, err := c.hooks.Create(ctx, webhooks.EndpointInput{URL: ptr(rc.URL + "/events")})
	if err != nil {
		t.Fatal(err)
	}
	if rc.verifier, err = standardwebhooks.NewWebhook(secret); err != nil {
		t.Fatal(err)
	}
	first := c.start(t, "a")
	eventually(t, 30*time.Second, "the first worker joins every shard of the event stream", func() bool {
		for _, stream := range c.st.Keys().EventStreams() {
			if groups, err := c.st.Client().XInfoGroups(ctx, stream).Result(); err != nil || len(groups) == 0 {
				return false
			}
		}
		return true
	})
	const n = 20
	for i := range n {
		mustCreateApp(t, c, fmt.Sprintf("app-%02d", i))
	}
	select {
	case <-rc.held:
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery reached the receiver")
	}
	others := []*exec.Cmd{c.start(t, "b"), c.start(t, "c")}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	close(rc.hold)
	eventually(t, 60*time.Second, "every app.created delivered", func() bool { got, _ := rc.count(); return got == n })

	rc.down.Store(true)
	for i := range 5 {
		mustCreateApp(t, c, fmt.Sprintf("late-%02d", i))
	}
	time.Sleep(2 * time.Second) // the first attempts fail
	rc.down.Store(false)
	eventually(t, 60*time.Second, "the deliveries made while the receiver was down arrive", func() bool { got, _ := rc.count(); return got == n+5 })
	if _, bad := rc.count(); bad != 0 {
		t.Errorf("%d deliveries failed verification", bad)
	}
	wrong, _ := standardwebhooks.NewWebhook(webhooks.NewSecret())
	rc.mu.Lock()
	for _, d := range rc.raw[:3] {
		if wrong.Verify(d.body, d.header) == nil {
			t.Error("a delivery verified with another secret")
		}
	}
	rc.mu.Unlock()
	for _, cmd := range others {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, cmd := range others {
		if err := cmd.Wait(); err != nil {
			t.Errorf("a worker stopped by SIGTERM: %v", err)
		}
	}
	for _, name := range []string{"refresh", "recheck", "whretry", "xexpiry"} {
		if n, err := c.st.Schedule(name).Leased(ctx); err != nil || n != 0 {
			t.Errorf("schedule %s: %d leases held after SIGTERM (%v)", name, n, err)
		}
	}
}

func mustCreateApp(t *testing.T, c *cluster, id string) {
	t.Helper()
	_, err := c.apps.Create(context.Background(), apps.AppPatch{ID: ptr(id), Kind: ptr(apps.KindAPIKey), Name: ptr(id),
		APIKey: &apps.APIKeyPatch{Label: ptr("Key")}})
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
