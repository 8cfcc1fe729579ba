package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store/storetest"
)

const proxyKey = "proxy-management-key-0123456789abcdef"

// proxyHarness is a server with the request proxy, an OAuth app "crm" whose API is api, and a
// token endpoint that refreshes.
type proxyHarness struct {
	c         client
	api       *httptest.Server
	refreshes atomic.Int64
	logs      lockedBuffer
	vault     *oauth.Vault
	metrics   *server.Metrics
}

func setupProxy(t *testing.T, api http.HandlerFunc) *proxyHarness {
	t.Helper()
	h := &proxyHarness{api: httptest.NewServer(api), metrics: server.NewMetrics()}
	t.Cleanup(h.api.Close)
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := h.refreshes.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-refreshed-" + string(rune('0'+n)), "refresh_token": "rt-next", "expires_in": 3600})
	}))
	t.Cleanup(tokens.Close)
	log := slog.New(slog.NewTextHandler(&h.logs, nil))
	str := func(s string) *string { return &s }
	kind := apps.KindOAuth2
	secret := outbound.NewSecret("crm-client-secret")
	stk := newStack(t, stackOptions{log: log, metrics: h.metrics, maxRetryWait: time.Second, apps: []apps.AppPatch{{
		ID: str("crm"), Kind: &kind, Name: str("CRM"), ClientID: str("c"), ClientSecret: &secret,
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str(tokens.URL + "/token"),
		APIBaseURLs: &[]string{h.api.URL + "/v1", h.api.URL + "/v2"},
	}}})
	st, vault := stk.store, stk.vault
	h.vault = vault
	ctx := context.Background()
	if _, err := vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: "ann"},
		AccessToken: "at-first-secret", RefreshToken: "rt-first", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	opts := stk.options(proxyKey)
	opts.Logger, opts.Metrics = log, h.metrics
	url := serve(t, opts)
	h.c = client{t: t, url: url, key: proxyKey}
	t.Cleanup(func() {
		if strings.Contains(h.logs.String(), "at-first-secret") || strings.Contains(h.logs.String(), "at-refreshed") {
			t.Error("a token appears in the logs")
		}
		for _, tok := range []string{"at-first-secret", "at-refreshed", "crm-client-secret"} {
			if hits := storetest.Find(t, st, tok); len(hits) > 0 {
				t.Errorf("a credential is in plain text in Redis: %v", hits)
			}
		}
	})
	return h
}

// send makes a proxy request for ann with extra headers.
func (h *proxyHarness) send(method, path, body string, headers map[string]string) response {
	h.c.t.Helper()
	req, err := http.NewRequest(method, h.c.url+path, strings.NewReader(body))
	if err != nil {
		h.c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+proxyKey)
	req.Header.Set("Outflow-User-Id", "ann")
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return do(h.c.t, noRedirects, req)
}

func TestProxyForwardsWithTheConnectionsToken(t *testing.T) {
	t.Parallel()
	h := setupProxy(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Set-Cookie", "s=1")
		w.Header().Set("Outflow-Refreshed", "true") // an API cannot speak for Outflow
		w.Header().Set("X-Auth", r.Header.Get("Authorization"))
		w.Header().Set("X-Outflow-Seen", r.Header.Get("Outflow-User-Id"))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	})
	r := h.send("POST", "/v1/proxy/crm/contacts/a%2Fb?q=1", `{"x":1}`, map[string]string{"Cookie": "c=1"})
	if r.status != http.StatusCreated || r.body != `POST /v1/contacts/a%2Fb?q=1 {"x":1}` {
		t.Fatalf("proxied POST: %d %q", r.status, r.body)
	}
	if r.header.Get("X-Auth") != "Bearer at-first-secret" || r.header.Get("X-Outflow-Seen") != "" {
		t.Errorf("the API saw Authorization %q and Outflow-User-Id %q; want the connection's token and no Outflow header", r.header.Get("X-Auth"), r.header.Get("X-Outflow-Seen"))
	}
	if r.header.Get("Set-Cookie") != "" || r.header.Get("Outflow-Connection-Id") == "" || r.header.Get("Outflow-Refreshed") != "" {
		t.Errorf("answer headers: %v", r.header)
	}
}

func TestProxyRefreshesAfterA401(t *testing.T) {
	t.Parallel()
	h := setupProxy(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer at-first-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "fresh")
	})
	r := h.send("GET", "/v1/proxy/crm/me", "", nil)
	if r.status != 200 || r.body != "fresh" || r.header.Get("Outflow-Refreshed") != "true" || h.refreshes.Load() != 1 {
		t.Errorf("after a 401: %d %q refreshed=%q, %d refreshes", r.status, r.body, r.header.Get("Outflow-Refreshed"), h.refreshes.Load())
	}
	m := httptest.NewRecorder()
	h.metrics.Handler().ServeHTTP(m, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`outflow_proxy_refreshes_total{app="crm"} 1`, `outflow_proxy_requests_total{app="crm",class="2xx"} 1`} {
		if !strings.Contains(m.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestProxyErrors(t *testing.T) {
	t.Parallel()
	h := setupProxy(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/limited" {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	cases := []struct {
		name, path string
		headers    map[string]string
		status     int
		code       string
	}{
		{"no owner", "/v1/proxy/crm/x", map[string]string{"Outflow-User-Id": ""}, 400, "invalid_request"},
		{"unknown app", "/v1/proxy/nope/x", nil, 404, "not_found"},
		{"not connected", "/v1/proxy/crm/x", map[string]string{"Outflow-User-Id": "bob"}, 404, "not_connected"},
		{"missing scopes", "/v1/proxy/crm/x", map[string]string{"Outflow-Scopes": "admin"}, 409, "missing_scopes"},
		{"base not the app's", "/v1/proxy/crm/x", map[string]string{"Outflow-Base-Url": "https://evil.example.com"}, 400, "host_not_allowed"},
		{"dot segments", "/v1/proxy/crm/%2e%2e/admin", nil, 400, "host_not_allowed"},
		{"API's own 429 past the cap", "/v1/proxy/crm/limited", nil, 429, ""},
		{"back-off past the cap", "/v1/proxy/crm/other", nil, 429, "rate_limited"},
	}
	for _, c := range cases {
		r := h.send("GET", c.path, "", c.headers)
		if r.status != c.status {
			t.Errorf("%s: %d %s; want %d", c.name, r.status, r.body, c.status)
			continue
		}
		if c.code != "" {
			if code, _ := r.errorFields(t); code != c.code {
				t.Errorf("%s: code %q; want %q", c.name, code, c.code)
			}
		}
		if c.status == 429 && r.header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", c.name)
		}
		if strings.Contains(r.body, "at-first-secret") || strings.Contains(strings.Join(r.header.Values("X-Auth"), ""), "at-first") {
			t.Errorf("%s: the answer holds the token", c.name)
		}
	}
	if code, fields := h.send("GET", "/v1/proxy/crm/x", "", map[string]string{"Outflow-User-Id": "bob"}).errorFields(t); code == "not_connected" && fields != nil {
		t.Errorf("not_connected has fields %v", fields)
	}
	h.api.Close()
	if r := h.send("GET", "/v1/proxy/crm/x", "", map[string]string{"Outflow-User-Id": "ann", "Outflow-Connection-Id": ""}); r.status != 429 && r.status != 502 {
		t.Errorf("an API that is down: %d %s", r.status, r.body)
	}
}

func TestProxyUnreachableAPI(t *testing.T) {
	t.Parallel()
	h := setupProxy(t, func(w http.ResponseWriter, r *http.Request) {})
	h.api.Close()
	r := h.send("DELETE", "/v1/proxy/crm/x", "", nil)
	if code, _ := r.errorFields(t); r.status != http.StatusBadGateway || code != "upstream_unreachable" {
		t.Errorf("an API that is down: %d %s", r.status, r.body)
	}
}

func TestProxyNeedsTheManagementKey(t *testing.T) {
	t.Parallel()
	h := setupProxy(t, func(w http.ResponseWriter, r *http.Request) { t.Error("the API was called without a management key") })
	if r := h.send("GET", "/v1/proxy/crm/x", "", map[string]string{"Authorization": "Bearer wrong"}); r.status != 401 {
		t.Errorf("a wrong key: %d", r.status)
	}
}

// lockedBuffer is a log sink safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Outflow-Base-Url picks one of an app's bases; without it the first is used.
func TestProxyPicksTheNamedBase(t *testing.T) {
	t.Parallel()
	h := setupProxy(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.URL.Path) })
	if r := h.send("GET", "/v1/proxy/crm/users", "", nil); r.body != "/v1/users" {
		t.Errorf("without Outflow-Base-Url: %d %q; want the first base", r.status, r.body)
	}
	if r := h.send("GET", "/v1/proxy/crm/users", "", map[string]string{"Outflow-Base-Url": h.api.URL + "/v2/"}); r.body != "/v2/users" {
		t.Errorf("with Outflow-Base-Url /v2: %d %q", r.status, r.body)
	}
}

// A large answer streams through the server whole, byte for byte.
func TestProxyStreamsALargeAnswer(t *testing.T) {
	t.Parallel()
	const size = 8 << 20
	h := setupProxy(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
		for sent := 0; sent < size; sent += len(chunk) {
			_, _ = w.Write(chunk)
		}
	})
	r := h.send("GET", "/v1/proxy/crm/export", "", nil)
	if r.status != 200 || len(r.body) != size || r.body[size-16:] != "0123456789abcdef" {
		t.Errorf("an 8 MiB answer: %d, %d bytes", r.status, len(r.body))
	}
}
