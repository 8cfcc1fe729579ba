package instancetest

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outflowhq/outflow/cmd/outflow/internal/cli"
)

// connect makes a connection of the crm app for user through the instance the balancer points
// at, as a browser does.
func (f *fleet) connect(api *http.Client, user string) {
	t := f.t
	t.Helper()
	r := f.do(api, "POST", "/v1/connect", `{"appId":"crm","userId":"`+user+`"}`, true)
	link, _ := r.object(t)["url"].(string)
	browser := newBrowser(t)
	csrf := csrfField.FindStringSubmatch(f.do(browser, "GET", link, "", false).body)
	if csrf == nil {
		t.Fatalf("connect %s: no consent page at %q (%d %s)", user, link, r.status, r.body)
	}
	open := f.form(browser, link, url.Values{"_csrf": {csrf[1]}})
	if cb := f.do(browser, "GET", f.approve(browser, open.location), "", false); cb.status >= 400 {
		t.Fatalf("connect %s: callback %d %s", user, cb.status, cb.body)
	}
}

// slowRequest sends, through the proxy, a request the provider's gate holds, and waits until the
// gate has it. The answer (or the error) arrives on the channel.
func (f *fleet) slowRequest(t *testing.T) <-chan answerOrError {
	t.Helper()
	done := make(chan answerOrError, 1)
	go func() {
		a, err := f.send(&http.Client{Timeout: time.Minute}, "GET", "/v1/proxy/crm/slow", "", true, "Outflow-User-Id", "ada")
		done <- answerOrError{a, err}
	}()
	select {
	case <-f.gate.arrived:
	case r := <-done:
		t.Fatalf("the slow request did not reach the provider: %+v", r)
	case <-time.After(30 * time.Second):
		t.Fatal("the slow request did not reach the provider")
	}
	return done
}

type answerOrError struct {
	answer
	err error
}

// listening reports whether something accepts connections at addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// SIGTERM while a request is in flight: the instance stops taking connections at once, the
// request finishes with its answer, and the process exits cleanly, within its shutdown timeout.
func TestSIGTERMLetsARequestInFlightFinish(t *testing.T) {
	f := newFleet(t)
	a := f.start("a")
	api := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.lb.to(a)
	f.connect(api, "ada")
	done := f.slowRequest(t)

	a.signal(t, syscall.SIGTERM)
	eventually(t, 10*time.Second, "the instance stops taking connections", func() bool { return !listening(a.addr) })
	select {
	case <-a.exited:
		t.Fatal("the instance exited with a request in flight")
	case r := <-done:
		t.Fatalf("the request in flight ended before its answer came: %+v", r)
	default:
	}
	f.gate.release()
	r := <-done
	if r.err != nil || r.status != http.StatusOK || r.body != "the slow answer" {
		t.Fatalf("the request in flight: %d %q %v; want the provider's answer", r.status, r.body, r.err)
	}
	if code := a.wait(t, cli.DefaultShutdownTimeout+15*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
	if !strings.Contains(a.log(), "every request in flight finished") {
		t.Errorf("the log does not say the drain finished:\n%s", a.log())
	}
}

// A request still running when --shutdown-timeout passes is cut, and the process exits
// without waiting for it, saying so.
func TestSIGTERMCutsARequestPastTheShutdownTimeout(t *testing.T) {
	f := newFleet(t)
	a := f.start("a", "--shutdown-timeout", "1s")
	api := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.lb.to(a)
	f.connect(api, "ada")
	done := f.slowRequest(t)

	a.signal(t, syscall.SIGTERM)
	if code := a.wait(t, 30*time.Second); code != 1 {
		t.Errorf("exit code %d after cutting a request; want 1", code)
	}
	if r := <-done; r.err == nil && r.status == http.StatusOK {
		t.Errorf("the cut request got a whole answer: %d %q", r.status, r.body)
	}
	if !strings.Contains(a.log(), "requests still in flight after 1s were cut") {
		t.Errorf("the log does not say requests were cut:\n%s", a.log())
	}
}

// With --drain-delay, SIGTERM first turns /readyz to 503 while the instance keeps serving; a
// second SIGTERM (an impatient operator, or Ctrl-C twice) ends the process at once, without
// waiting out the delay.
func TestSIGTERMWithADrainDelayDrainsAndASecondSIGTERMEndsAtOnce(t *testing.T) {
	f := newFleet(t)
	a := f.start("a", "--drain-delay", "2m")
	ready := func() int {
		r, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + a.addr + "/readyz")
		if err != nil {
			return 0
		}
		_ = r.Body.Close()
		return r.StatusCode
	}
	if got := ready(); got != http.StatusOK {
		t.Fatalf("/readyz before SIGTERM: %d", got)
	}
	a.signal(t, syscall.SIGTERM)
	eventually(t, 10*time.Second, "/readyz answers 503", func() bool { return ready() == http.StatusServiceUnavailable })
	if !listening(a.addr) {
		t.Fatal("the instance stopped taking connections during its drain delay")
	}
	a.signal(t, syscall.SIGTERM)
	if code := a.wait(t, 30*time.Second); code != 128+int(syscall.SIGTERM) { // far within the 2-minute delay
		t.Errorf("exit code %d on a second SIGTERM; want %d, as a shell reports a process SIGTERM ended", code, 128+int(syscall.SIGTERM))
	}
	if !strings.Contains(a.log(), "a second Ctrl-C or SIGTERM stops at once") {
		t.Errorf("the log does not say how to stop at once:\n%s", a.log())
	}
}
