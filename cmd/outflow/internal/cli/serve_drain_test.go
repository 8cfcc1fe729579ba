package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// drainGet answers a GET of url, with the management key when withKey is set: its status, the
// Retry-After header and the error code of a JSON error body ("" for none).
func drainGet(t *testing.T, url string, withKey bool) (status int, retryAfter, code string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if withKey {
		req.Header.Set("Authorization", "Bearer "+testManagementKey)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Error struct{ Code string } }
	_ = json.Unmarshal(body, &e)
	return resp.StatusCode, resp.Header.Get("Retry-After"), e.Error.Code
}

// With --drain-delay, a server told to stop answers /readyz with 503 at once and goes on serving
// every other request for the delay, so that load balancers stop sending it requests before its
// listener closes; then it stops as without one, and exits 0.
func TestServeDrainsForItsDelayBeforeItStops(t *testing.T) {
	t.Parallel()
	const delay = 2 * time.Second
	s := startServe(t, nil, "--flows", examplesDir(t), "--drain-delay", delay.String())
	url := s.base
	if status, _, _ := drainGet(t, url+"/readyz", false); status != http.StatusOK {
		t.Fatalf("/readyz before the stop: %d, want 200", status)
	}
	told := time.Now()
	stopped := make(chan struct{})
	go func() { defer close(stopped); s.stop(t) }() // fails t unless serve exits 0

	deadline := time.Now().Add(delay / 2)
	for {
		status, retry, code := drainGet(t, url+"/readyz", false)
		if status == http.StatusServiceUnavailable {
			if code != "unavailable" || retry == "" {
				t.Errorf("/readyz while draining: 503 with code %q and Retry-After %q; want unavailable, with a Retry-After", code, retry)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still answers %d %s after the stop", status, time.Since(told).Round(time.Millisecond))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status, _, _ := drainGet(t, url+"/healthz", false); status != http.StatusOK {
		t.Errorf("/healthz while draining: %d, want 200: the server stopped serving before its delay", status)
	}
	for _, path := range []string{"/v1/flows", "/v1/apps"} { // the second reads Redis
		if status, _, code := drainGet(t, url+path, true); status != http.StatusOK {
			t.Errorf("GET %s while draining: %d %s, want 200", path, status, code)
		}
	}
	<-stopped
	if took := time.Since(told); took < delay {
		t.Errorf("serve stopped %s after it was told to, before its drain delay of %s", took.Round(time.Millisecond), delay)
	}
	if _, err := (&http.Client{Timeout: time.Second}).Get(url + "/healthz"); err == nil {
		t.Error("the listener is still open after serve returned")
	}
	if log := s.stderr.String(); !strings.Contains(log, "draining: /readyz answers 503") || !strings.Contains(log, "drainDelay=2s") {
		t.Errorf("the log does not say it drained:\n%s", log)
	}
}

// A negative --drain-delay is refused before anything starts.
func TestServeRefusesANegativeDrainDelay(t *testing.T) {
	t.Parallel()
	var stderr lockedBuffer
	code := Main(t.Context(), []string{"serve", "--drain-delay", "-1s"}, Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code != 2 || !strings.Contains(stderr.String(), "--drain-delay must be 0 or a positive duration") {
		t.Errorf("--drain-delay -1s: exit %d:\n%s", code, stderr.String())
	}
}
