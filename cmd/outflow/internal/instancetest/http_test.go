package instancetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// balancer is the fleet's public URL: it passes each request, with its Host, to the instance
// the test chose last.
type balancer struct {
	*httptest.Server
	target atomic.Pointer[instance]
}

func newBalancer(t *testing.T) *balancer {
	lb := &balancer{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		in := lb.target.Load()
		r.SetURL(&url.URL{Scheme: "http", Host: in.addr})
		r.Out.Host = r.In.Host
	}}
	lb.Server = httptest.NewServer(rp)
	t.Cleanup(lb.Close)
	return lb
}

// to sends the next requests to in.
func (lb *balancer) to(in *instance) *balancer { lb.target.Store(in); return lb }

// gate holds every request until it is opened, and says when one arrives.
type gate struct {
	arrived chan struct{}
	open    chan struct{}
	once    sync.Once
}

func newGate() *gate { return &gate{arrived: make(chan struct{}, 16), open: make(chan struct{})} }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.arrived <- struct{}{}
	<-g.open
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "the slow answer")
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// answer is an HTTP response read whole.
type answer struct {
	status   int
	body     string
	location string
}

func (a answer) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %s", a.status, a.body)
	}
	return m
}

// newBrowser is a client that keeps cookies and returns redirects instead of following them.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request through client c: with the management key when key is true, with body as
// JSON when it is not empty, and with header's name-value pairs. It fails the test when no
// answer comes.
func (f *fleet) do(c *http.Client, method, rawURL, body string, key bool, header ...string) answer {
	f.t.Helper()
	a, err := f.send(c, method, rawURL, body, key, header...)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	return a
}

// send is do without failing the test: it may run on another goroutine.
func (f *fleet) send(c *http.Client, method, rawURL, body string, key bool, header ...string) (answer, error) {
	if strings.HasPrefix(rawURL, "/") {
		rawURL = f.lb.URL + rawURL
	}
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key {
		req.Header.Set("Authorization", "Bearer "+f.mgmtKey)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	r, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	return answer{status: r.StatusCode, body: string(b), location: r.Header.Get("Location")}, err
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
