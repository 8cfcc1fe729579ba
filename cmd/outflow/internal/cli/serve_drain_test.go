package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// drained is what a GET answered while the server drained.
type drained struct {
	status     int
	retryAfter string
	code       string // the error code of a JSON error body, "" for none
	closes     bool   // the answer closes its connection
}

// drainGet sends a GET of url, with the management key when withKey is set.
func drainGet(t *testing.T, url string, withKey bool) drained {
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
	return drained{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), code: e.Error.Code, closes: resp.Close}
}

// With --drain-delay, a server told to stop answers /readyz with 503 at once and goes on serving
// every other request for the delay, each answer closing its connection, so that load balancers
// and clients go elsewhere before its listener closes; then it stops as without one, and exits 0.
func TestServeDrainsForItsDelayBeforeItStops(t *testing.T) {
	t.Parallel()
	const delay = 6 * time.Second // room for the checks below on a loaded machine
	s := startServe(t, nil, "--flows", examplesDir(t), "--drain-delay", delay.String())
	url := s.base
	if a := drainGet(t, url+"/readyz", false); a.status != http.StatusOK || a.closes {
		t.Fatalf("/readyz before the stop: %d, closes %v; want 200 on a connection kept open", a.status, a.closes)
	}
	// The test stops serve itself, so that the clean-up does not wait for it again.
	cancel := s.cancel
	s.cancel = nil
	told := time.Now()
	cancel()

	for deadline := time.Now().Add(delay / 2); ; {
		a := drainGet(t, url+"/readyz", false)
		if a.status == http.StatusServiceUnavailable {
			if a.code != "unavailable" || a.retryAfter == "" {
				t.Errorf("/readyz while draining: 503 with code %q and Retry-After %q; want unavailable, with a Retry-After", a.code, a.retryAfter)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still answers %d %s after the stop", a.status, time.Since(told).Round(time.Millisecond))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if a := drainGet(t, url+"/healthz", false); a.status != http.StatusOK || !a.closes {
		t.Errorf("/healthz while draining: %d, closes %v; want 200, closing the connection", a.status, a.closes)
	}
	for _, path := range []string{"/v1/flows", "/v1/apps"} { // the second reads Redis
		if a := drainGet(t, url+path, true); a.status != http.StatusOK {
			t.Errorf("GET %s while draining: %d %s, want 200", path, a.status, a.code)
		}
	}
	select {
	case code := <-s.done:
		if code != 0 {
			t.Fatalf("exit %d after draining:\n%s", code, s.stderr)
		}
	case <-time.After(delay + 30*time.Second):
		t.Fatalf("serve did not stop after draining:\n%s", s.stderr)
	}
	if took := time.Since(told); took < delay {
		t.Errorf("serve stopped %s after it was told to, before its drain delay of %s", took.Round(time.Millisecond), delay)
	}
	if _, err := (&http.Client{Timeout: time.Second}).Get(url + "/healthz"); err == nil {
		t.Error("the listener is still open after serve returned")
	}
	log := s.stderr.String()
	if !strings.Contains(log, "draining: /readyz answers 503") || !strings.Contains(log, "drainDelay="+delay.String()) {
		t.Errorf("the log does not say it drained:\n%s", log)
	}
	if strings.Contains(log, "level=ERROR") {
		t.Errorf("draining logged an error (a load balancer's probe of a draining server is none):\n%s", log)
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

// A duration without its unit is refused with a message that says what a duration looks like,
// for every command's duration flags.
func TestDurationFlagsSayWhatADurationLooksLike(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"serve", "--drain-delay", "5"},
		{"serve", "--shutdown-timeout", "15"},
		{"worker", "--visibility-timeout", "soon"},
		{"catalog", "check", "--timeout", "10"},
	} {
		var stderr lockedBuffer
		code := Main(t.Context(), args, Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }})
		if code != 2 || !strings.Contains(stderr.String(), "not a duration: write a number with its unit, such as 500ms, 5s") {
			t.Errorf("%q: exit %d:\n%s", args, code, stderr.String())
		}
	}
}
