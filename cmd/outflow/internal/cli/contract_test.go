package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// These tests run the real `outflow serve` in-process and speak to it over HTTP, as the README's curl
// session does.

const testManagementKey = "contract-test-key-of-32-characters"

type served struct {
	base   string
	cancel context.CancelFunc
	done   chan int
	stderr *lockedBuffer
}

// startServe runs `outflow serve` with args and waits until it answers /healthz.
func startServe(t *testing.T, env map[string]string, args ...string) *served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{base: "http://" + addr, cancel: cancel, done: make(chan int, 1), stderr: &lockedBuffer{}}
	getenv := func(k string) string { return env[k] }
	all := append([]string{"serve", "--addr", addr, "--management-keys", testManagementKey}, args...)
	go func() {
		s.done <- Main(ctx, all, Env{Stdout: io.Discard, Stderr: s.stderr, Getenv: getenv})
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case code := <-s.done:
			t.Fatalf("serve exited with %d before answering:\n%s", code, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer /healthz in time:\n%s", s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop shuts the server down gracefully and checks it exited cleanly.
func (s *served) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case code := <-s.done:
		if code != 0 {
			t.Errorf("serve exited with %d:\n%s", code, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Error("serve did not shut down")
	}
}

// lockedBuffer is a bytes.Buffer safe for the server's logger and the test to share.
type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// call sends a JSON request and decodes the JSON answer.
func call(t *testing.T, method, url, key string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func start(t *testing.T, s *served, flow string, input map[string]any) map[string]any {
	t.Helper()
	code, r := call(t, "POST", s.base+"/v1/flows/"+flow+"/start", testManagementKey, map[string]any{"input": input, "userId": "u1"})
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("start %s: %d %v", flow, code, r)
	}
	return r
}

func next(t *testing.T, s *served, r map[string]any, interaction string, input map[string]any) (int, map[string]any) {
	t.Helper()
	return call(t, "POST", s.base+"/v1/executions/"+r["executionId"].(string)+"/next", "", map[string]any{
		"stepId": r["stepId"], "interaction": interaction, "input": input, "nonce": r["nonce"],
	})
}

func examplesDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../../examples/flows")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestServeRunsAnExampleFlowToCompletionOverHTTP(t *testing.T) {
	t.Parallel()
	s := startServe(t, nil, "--flows", examplesDir(t))
	r := start(t, s, "choose-plan", map[string]any{"greeting": "Hello"})
	if r["status"] != "waiting" || r["action"] != "screen" || r["stepId"] != "pick" {
		t.Fatalf("start: %v", r)
	}
	code, r := next(t, s, r, "continue", map[string]any{"plan": "pro", "email": "ada@example.com"})
	if code != 200 || r["stepId"] != "team" {
		t.Fatalf("first next: %d %v", code, r)
	}
	code, r = next(t, s, r, "continue", map[string]any{"company": "Acme", "seats": 12})
	if code != 200 || r["status"] != "completed" || r["action"] != "done" {
		t.Fatalf("second next: %d %v", code, r)
	}
	if out := r["output"].(map[string]any); out["plan"] != "pro" || out["seats"] != 12.0 {
		t.Fatalf("output: %v", out)
	}
}

func TestServeErrorsAreJSONWithTheRightStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(examplesDir(t), "choose-plan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	short := strings.Replace(string(src), "ttl: 30m", "ttl: 1s", 1)
	if err := os.WriteFile(filepath.Join(dir, "choose-plan.yaml"), []byte(short), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, nil, "--flows", dir)
	r := start(t, s, "choose-plan", nil)

	for _, tc := range []struct {
		name   string
		method string
		path   string
		key    string
		body   string
		status int
		code   string
	}{
		{"bad JSON", "POST", "/v1/flows/choose-plan/start", testManagementKey, `{"input":`, 400, "invalid_body"},
		{"unknown body field", "POST", "/v1/flows/choose-plan/start", testManagementKey, `{"imput":{}}`, 400, "invalid_body"},
		{"bad input", "POST", "/v1/flows/choose-plan/start", testManagementKey, `{"input":{"greeting":3}}`, 400, "invalid_input"},
		{"unknown flow", "POST", "/v1/flows/nope/start", testManagementKey, `{}`, 404, "not_found"},
		{"unknown execution", "POST", "/v1/executions/nope/next", "", `{"interaction":"x","nonce":"y"}`, 404, "not_found"},
		{"stale nonce", "POST", "/v1/executions/" + r["executionId"].(string) + "/next", "", `{"interaction":"cancel","nonce":"stale"}`, 409, "conflict"},
	} {
		req, _ := http.NewRequest(tc.method, s.base+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(raw, &body); err != nil || resp.StatusCode != tc.status || body.Error.Code != tc.code || body.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d with code %q", tc.name, resp.StatusCode, raw, tc.status, tc.code)
		}
		if strings.Contains(string(raw), "goroutine") || strings.Contains(string(raw), ".go:") {
			t.Errorf("%s: the error leaks internals: %s", tc.name, raw)
		}
	}

	// A replayed nonce: the first answer wins, the replay gets 409.
	code, _ := next(t, s, r, "cancel", nil)
	if code != 200 {
		t.Fatalf("cancel: %d", code)
	}
	if code, body := next(t, s, r, "cancel", nil); code != 409 {
		t.Fatalf("replay: %d %v", code, body)
	}
	// An execution past its TTL answers 410 with the flow to start again.
	r2 := start(t, s, "choose-plan", map[string]any{"greeting": "Again"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := call(t, "GET", s.base+"/v1/executions/"+r2["executionId"].(string), testManagementKey, nil)
		if code != 200 {
			t.Fatalf("get: %d %v", code, body)
		}
		if body["status"] == "expired" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the execution never expired: %v", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, body := next(t, s, r2, "cancel", nil)
	e, _ := body["error"].(map[string]any)
	restart, _ := e["restart"].(map[string]any)
	if code != 410 || e["code"] != "expired" || restart["flowId"] != "choose-plan" || restart["input"] != nil {
		t.Fatalf("after expiry: %d %v; want the flow to start again, and not its input (next is public)", code, body)
	}
}

func TestFiftyConcurrentNextsWithOneNonceAdvanceOnce(t *testing.T) {
	s := startServe(t, nil, "--flows", examplesDir(t))
	r := start(t, s, "choose-plan", nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := next(t, s, r, "continue", map[string]any{"plan": "pro", "email": "a@b.co"})
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[200] != 1 || codes[409] != 49 {
		t.Fatalf("status codes %v, want one 200 and 49 409", codes)
	}
	code, evs := call(t, "GET", s.base+"/v1/executions/"+r["executionId"].(string)+"/events", testManagementKey, nil)
	if code != 200 {
		t.Fatalf("events: %d %v", code, evs)
	}
	completed := 0
	for _, e := range evs["events"].([]any) {
		ev := e.(map[string]any)
		if ev["type"] == "step.completed" && ev["stepId"] == "pick" {
			completed++
		}
	}
	if completed != 1 {
		t.Fatalf("the event log shows %d transitions of step pick, want 1", completed)
	}
}

func TestARestartedServerContinuesAPausedExecution(t *testing.T) {
	storetest.Real(t) // skips without a real Redis, or fails when one is required
	prefix := fmt.Sprintf("ct%d", time.Now().UnixNano())
	t.Cleanup(func() {
		st, err := store.Open(context.Background(), store.Options{URL: os.Getenv(storetest.EnvRedisURL), Prefix: prefix})
		if err == nil {
			_ = storetest.DeleteAll(context.Background(), st)
			st.Close()
		}
	})
	keys, err := store.GenerateKey("t1")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--flows", examplesDir(t), "--redis", os.Getenv(storetest.EnvRedisURL), "--prefix", prefix, "--keys", keys}

	first := startServe(t, nil, args...)
	r := start(t, first, "choose-plan", nil)
	code, r := next(t, first, r, "continue", map[string]any{"plan": "pro", "email": "a@b.co"})
	if code != 200 || r["stepId"] != "team" {
		t.Fatalf("next: %d %v", code, r)
	}
	first.stop(t)

	second := startServe(t, nil, args...)
	code, r = next(t, second, r, "continue", map[string]any{"company": "Acme", "seats": 5})
	if code != 200 || r["status"] != "completed" {
		t.Fatalf("after the restart: %d %v", code, r)
	}
}

func TestServeRefusesARealRedisWithoutKeys(t *testing.T) {
	storetest.Real(t)
	var stderr lockedBuffer
	code := Main(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--redis", os.Getenv(storetest.EnvRedisURL), "--flows", examplesDir(t)},
		Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code == 0 || !strings.Contains(stderr.String(), "OUTFLOW_KEYS") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
