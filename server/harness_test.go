package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// setup is what every server test starts from: an app registry with a keyring of its own, on
// opts.Store or, without one, on a store of its own. It fills in opts.Store and opts.Keyring.
func setup(t testing.TB, opts apps.Options) (*store.Store, *apps.Apps) {
	t.Helper()
	if opts.Store == nil {
		opts.Store = storetest.New(t)
	}
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	opts.Keyring = ring
	registry, err := apps.NewApps(opts)
	if err != nil {
		t.Fatal(err)
	}
	return opts.Store, registry
}

// serve starts a test server with opts and returns its URL.
func serve(t *testing.T, opts server.Options) string {
	t.Helper()
	ts := httptest.NewServer(newServer(t, opts))
	t.Cleanup(ts.Close)
	return ts.URL
}

// newServer returns server.New(opts), failing the test on an error.
func newServer(t testing.TB, opts server.Options) *server.Server {
	t.Helper()
	s, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// client calls a test server's API: url is its base, key the management key sent by call.
// Without http, it uses http.DefaultClient.
type client struct {
	t    *testing.T
	url  string
	key  string
	http *http.Client
}

// call sends a request with the client's management key; body, when set, is JSON.
func (c *client) call(method, path, body string) response {
	c.t.Helper()
	return c.callWithKey(method, path, body, c.key)
}

// callWithKey sends a request with key as the management key, or without one when key is empty.
func (c *client) callWithKey(method, path, body, key string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	hc := c.http
	if hc == nil {
		hc = http.DefaultClient
	}
	return do(c.t, hc, req)
}

// response is what a request got back.
type response struct {
	status   int
	header   http.Header
	body     string
	location string
}

// do sends req with c and reads the whole response.
func do(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location"), header: resp.Header}
}

// noRedirects is a client that does not follow redirects, so a test sees every hop.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// object decodes the body, a JSON object.
func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// errorBody returns the error object of an error body.
func (r response) errorBody(t *testing.T) map[string]any {
	t.Helper()
	e, _ := r.object(t)["error"].(map[string]any)
	return e
}

// errorFields returns error.code and error.fields of an error body.
func (r response) errorFields(t *testing.T) (string, map[string]any) {
	t.Helper()
	e := r.errorBody(t)
	fields, _ := e["fields"].(map[string]any)
	code, _ := e["code"].(string)
	return code, fields
}
