package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
)

const connMgmtKey = "mgmt-key-for-connection-tests-0123456789"

// connProvider is a minimal OAuth provider: it redeems the codes it issued and refreshes the
// refresh tokens it issued, or answers 503 while down.
type connProvider struct {
	srv *httptest.Server

	mu      sync.Mutex
	codes   map[string]string
	refresh map[string]string
	down    bool
	revoked int
	issued  []string
}

func newConnProvider(t *testing.T) *connProvider {
	p := &connProvider{codes: map[string]string{}, refresh: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		defer p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if p.down {
			w.WriteHeader(503)
			_, _ = io.WriteString(w, `{"error":"temporarily_unavailable"}`)
			return
		}
		var scope string
		var ok bool
		if r.PostForm.Get("grant_type") == "refresh_token" {
			scope, ok = p.refresh[r.PostForm.Get("refresh_token")]
		} else {
			scope, ok = p.codes[r.PostForm.Get("code")]
			delete(p.codes, r.PostForm.Get("code"))
		}
		if !ok {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		at, rt := "AT-"+rand.Text(), "RT-"+rand.Text()
		p.refresh[rt] = scope
		p.issued = append(p.issued, at, rt)
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": at, "refresh_token": rt, "expires_in": 3600, "scope": scope})
	})
	mux.HandleFunc("POST /revoke", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.revoked++
		p.mu.Unlock()
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// approve answers the authorization request at authURL as if the user approved it, and returns
// the query of the redirect back.
func (p *connProvider) approve(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	code := "code-" + rand.Text()
	p.mu.Lock()
	p.codes[code] = u.Query().Get("scope")
	p.mu.Unlock()
	return url.Values{"code": {code}, "state": {u.Query().Get("state")}}.Encode()
}

type connAPI struct {
	client
	s     *store.Store
	p     *connProvider
	clock *clock.Fake
	eng   *engine.Engine
	vault *oauth.Vault
}

const serverConnectFlow = `
id: link-crm
steps:
  connect:
    action: outbound.connect
    with: {app: crm}
    on: {connected: done, denied: done, error: done}
  done:
    end:
      output:
        connected: ${{ steps.connect.output.connected }}
      redirectUrl: https://app.example.com/flow-done
`

func setupConnAPI(t *testing.T) *connAPI {
	t.Helper()
	a := &connAPI{client: client{t: t, key: connMgmtKey, http: noRedirects}, p: newConnProvider(t), clock: clock.NewFake(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))}
	str := func(s string) *string { return &s }
	kind := apps.KindOAuth2
	st := newStack(t, stackOptions{clock: a.clock, publicURL: "https://auth.example.com", allowedRedirects: []string{"https://app.example.com"},
		apps: []apps.AppPatch{{
			ID: str("crm"), Kind: &kind, Name: str("Acme CRM"), ClientID: str("cid"), ClientSecret: &[]outbound.Secret{outbound.NewSecret("cs")}[0],
			AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str(a.p.srv.URL + "/token"), RevocationURL: str(a.p.srv.URL + "/revoke"),
			DefaultScopes:       &[]string{"contacts.read"},
			AllowedRedirectURLs: &[]string{"https://app.example.com/done"},
		}},
		flows: map[string]string{"link.yaml": serverConnectFlow},
	})
	a.s, a.eng, a.vault = st.store, st.engine, st.vault
	opts := st.options(connMgmtKey)
	opts.Clock, opts.Logger = a.clock, slog.New(slog.DiscardHandler)
	a.url = serve(t, opts)
	return a
}

// newBrowser returns a browser: it keeps cookies and does not follow redirects.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: noRedirects.CheckRedirect}
}

// browse GETs a path of the server, or an absolute URL, in browser b.
func (a *connAPI) browse(b *http.Client, path string) response {
	a.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = a.url + path
	}
	resp, err := b.Get(path)
	if err != nil {
		a.t.Fatal(err)
	}
	if isOneTimeLink(path) && resp.StatusCode == http.StatusOK {
		// The link's Continue page: press Continue.
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp, err = b.Do(continueRequest(a.t, path, string(page))); err != nil {
			a.t.Fatal(err)
		}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

// consent asks POST /v1/connect for its one-time link, opens the link in browser b, and returns
// the provider's authorization URL the link sent b to.
func (a *connAPI) consent(b *http.Client, body string) string {
	t := a.t
	t.Helper()
	r := a.call("POST", "/v1/connect", body)
	if r.status != 200 {
		t.Fatalf("connect: %d %s", r.status, r.body)
	}
	link, _ := r.object(t)["url"].(string)
	if !strings.HasPrefix(link, a.url+"/v1/oauth/start/") {
		t.Fatalf("connect answered %s: want a one-time link of this server", r.body)
	}
	open := a.browse(b, link)
	if open.status != http.StatusSeeOther || !strings.HasPrefix(open.location, "https://crm.example.com/authorize?") {
		t.Fatalf("opening the link: %d %q %s", open.status, open.location, open.body)
	}
	return open.location
}

// connectAlice runs a consent through the REST API and returns the connection id.
func (a *connAPI) connectAlice(body string) string {
	t := a.t
	t.Helper()
	b := newBrowser(t)
	cb := a.browse(b, "/v1/oauth/callback/crm?"+a.p.approve(t, a.consent(b, body)))
	if cb.status != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", cb.status, cb.body)
	}
	loc, _ := url.Parse(cb.location)
	if loc.Query().Get("outflow_status") != "connected" || strings.Contains(cb.location, "AT-") {
		t.Fatalf("callback redirected to %q", cb.location)
	}
	return loc.Query().Get("outflow_connection")
}

func TestConnectCallbackFetchListDelete(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	id := a.connectAlice(`{"appId":"crm","userId":"alice","redirectUrl":"https://app.example.com/done"}`)

	r := a.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"alice","scopes":["contacts.read"],"withRefreshToken":true}`)
	if r.status != 200 {
		t.Fatalf("fetch: %d %s", r.status, r.body)
	}
	tok, _ := r.object(t)["token"].(map[string]any)
	conn, _ := r.object(t)["connection"].(map[string]any)
	if !strings.HasPrefix(tok["accessToken"].(string), "AT-") || !strings.HasPrefix(tok["refreshToken"].(string), "RT-") ||
		tok["expiresAt"] == "" || conn["id"] != id || conn["status"] != "active" || conn["hasRefreshToken"] != true {
		t.Errorf("fetch answered %s", r.body)
	}
	if r := a.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"alice"}`); strings.Contains(r.body, "refreshToken\"") {
		t.Errorf("a fetch without withRefreshToken returned the refresh token: %s", r.body)
	}

	r = a.call("GET", "/v1/connections?userId=alice", "")
	list, _ := r.object(t)["connections"].([]any)
	if r.status != 200 || len(list) != 1 || strings.Contains(r.body, "AT-") || strings.Contains(r.body, "RT-") {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if r := a.call("GET", "/v1/connections?appId=crm", ""); len(r.object(t)["connections"].([]any)) != 1 {
		t.Errorf("list by app: %s", r.body)
	}
	if r := a.call("GET", "/v1/connections/"+id, ""); r.status != 200 || r.object(t)["id"] != id {
		t.Errorf("get: %d %s", r.status, r.body)
	}

	r = a.call("DELETE", "/v1/connections/"+id, "")
	if r.status != 200 || !strings.Contains(r.body, `"revoked":["refresh_token","access_token"]`) {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r = a.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"alice"}`)
	e := r.errorBody(t)
	if r.status != 404 || e["code"] != "not_connected" || e["connect"].(map[string]any)["userId"] != "alice" {
		t.Errorf("fetch after delete: %d %s", r.status, r.body)
	}
	if r := a.call("DELETE", "/v1/connections/"+id, ""); r.status != 404 {
		t.Errorf("second delete: %d %s", r.status, r.body)
	}
}

func TestConnectionRoutesNeedTheManagementKey(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	for _, rt := range []struct{ method, path, body string }{
		{"POST", "/v1/connect", `{"appId":"crm","userId":"alice"}`},
		{"POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"alice"}`},
		{"POST", "/v1/tokens/import", `{"appId":"crm","userId":"alice","accessToken":"x"}`},
		{"GET", "/v1/connections?userId=alice", ""},
		{"GET", "/v1/connections/cn_x", ""},
		{"DELETE", "/v1/connections/cn_x", ""},
		{"DELETE", "/v1/connections?userId=alice", ""},
	} {
		if r := a.callWithKey(rt.method, rt.path, rt.body, "wrong"); r.status != http.StatusUnauthorized {
			t.Errorf("%s %s without the key: %d", rt.method, rt.path, r.status)
		}
	}
}

func TestCallbackPages(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	// A forged or replayed state: a clear page, nothing stored.
	r := a.call("GET", "/v1/oauth/callback/crm?code=x&state=AAAAAAAAAAAAAAAAAAAAAAAAAA", "")
	if r.status != 400 || !strings.Contains(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "invalid or was already used") {
		t.Errorf("forged state: %d %s", r.status, r.body)
	}
	// No redirect URL: a plain page.
	b := newBrowser(t)
	q := a.p.approve(t, a.consent(b, `{"appId":"crm","userId":"alice"}`))
	r = a.browse(b, "/v1/oauth/callback/crm?"+q)
	if r.status != 200 || !strings.Contains(r.body, "Connected") || r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("callback without redirect: %d %s", r.status, r.body)
	}
	if r := a.browse(b, "/v1/oauth/callback/crm?"+q); r.status != 400 {
		t.Errorf("replayed callback: %d %s", r.status, r.body)
	}
	// Denied, with a redirect URL: the redirect says so.
	u, _ := url.Parse(a.consent(b, `{"appId":"crm","userId":"alice","redirectUrl":"https://app.example.com/done"}`))
	r = a.browse(b, "/v1/oauth/callback/crm?error=access_denied&state="+u.Query().Get("state"))
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "outflow_status=denied") {
		t.Errorf("denied: %d %s", r.status, r.location)
	}
}

func TestCallbackResumesTheFlow(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	r := a.call("POST", "/v1/flows/link-crm/start", `{"userId":"alice"}`)
	if r.status != 200 {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	start := r.object(t)
	redirect, _ := start["redirect"].(map[string]any)
	cb := a.call("GET", "/v1/oauth/callback/crm?"+a.p.approve(t, redirect["url"].(string)), "")
	if cb.status != http.StatusSeeOther || cb.location != "https://app.example.com/flow-done" {
		t.Fatalf("callback: %d %q %s", cb.status, cb.location, cb.body)
	}
	x, err := a.eng.Get(context.Background(), start["executionId"].(string))
	if err != nil || x.Status != engine.StatusCompleted || x.Output["connected"] != true {
		t.Fatalf("execution after the callback: %+v %v", x, err)
	}
}

func TestFetchErrorsCarryWhatToDoNext(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	a.connectAlice(`{"appId":"crm","userId":"alice","redirectUrl":"https://app.example.com/done"}`)

	r := a.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"alice","scopes":["contacts.read","deals.read"]}`)
	e := r.errorBody(t)
	connect, _ := e["connect"].(map[string]any)
	if r.status != 409 || e["code"] != "missing_scopes" || len(e["missingScopes"].([]any)) != 1 || len(connect["scopes"].([]any)) != 2 {
		t.Fatalf("missing scopes: %d %s", r.status, r.body)
	}
	// The connect body works as is.
	body, _ := json.Marshal(connect)
	if r := a.call("POST", "/v1/connect", string(body)); r.status != 200 {
		t.Errorf("connect with the hint: %d %s", r.status, r.body)
	}

	a.p.mu.Lock()
	a.p.down = true
	a.p.mu.Unlock()
	a.clock.Advance(2 * time.Hour)
	r = a.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"alice"}`)
	// Retry-After counts on the server's clock: the backoff after a first failure, 30s ±20%.
	if secs, _ := strconv.Atoi(r.header.Get("Retry-After")); r.status != 503 || r.errorBody(t)["code"] != "provider_unavailable" || secs < 20 || secs > 40 {
		t.Errorf("expired token, provider down: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}

	a.p.mu.Lock()
	a.p.down, a.p.refresh = false, map[string]string{}
	a.p.mu.Unlock()
	a.clock.Advance(time.Hour)
	r = a.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"alice"}`)
	if r.status != 409 || r.errorBody(t)["code"] != "needs_reauth" || r.errorBody(t)["connect"] == nil {
		t.Errorf("refused grant: %d %s", r.status, r.body)
	}
}

func TestConnectionRequestErrors(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	tests := []struct {
		method, path, body string
		status             int
		code               string
		fields             []string
	}{
		{"POST", "/v1/connect", `{}`, 400, "invalid_request", []string{"appId", "userId"}},
		{"POST", "/v1/connect", `{"appId":"crm","userId":"a","redirectUrl":"https://evil.example.net/"}`, 400, "invalid_request", []string{"redirectUrl"}},
		{"POST", "/v1/connect", `{"appId":"crm","userId":"a","scope":["x"]}`, 400, "invalid_body", nil},
		{"POST", "/v1/connect", `{"appId":"nope","userId":"a"}`, 404, "not_found", nil},
		{"POST", "/v1/tokens/fetch", `{"appId":"crm"}`, 400, "invalid_request", []string{"userId"}},
		{"GET", "/v1/connections", "", 400, "invalid_request", []string{"userId"}},
		{"DELETE", "/v1/connections", "", 400, "invalid_request", []string{"connectionId"}},
		{"POST", "/v1/tokens/import", `{"tokens":[{"appId":"crm","userId":"a","accessToken":"x"},{"appId":"crm","userId":"b"}]}`, 400, "invalid_request", []string{"tokens[1].accessToken"}},
		{"POST", "/v1/tokens/import", `{"appId":"crm","tokens":[]}`, 400, "invalid_request", []string{"tokens"}},
	}
	for _, tt := range tests {
		r := a.call(tt.method, tt.path, tt.body)
		e := r.errorBody(t)
		if r.status != tt.status || e["code"] != tt.code {
			t.Errorf("%s %s %s: %d %s", tt.method, tt.path, tt.body, r.status, r.body)
			continue
		}
		fields, _ := e["fields"].(map[string]any)
		for _, f := range tt.fields {
			if fields[f] == nil {
				t.Errorf("%s %s %s: no message for %s in %s", tt.method, tt.path, tt.body, f, r.body)
			}
		}
	}
	if r := a.call("GET", "/v1/connections?userId=alice", ""); r.status != 200 || !strings.Contains(r.body, `"connections":[]`) {
		t.Errorf("rejected imports stored something: %s", r.body)
	}
}

func TestImportRoutes(t *testing.T) {
	t.Parallel()
	a := setupConnAPI(t)
	r := a.call("POST", "/v1/tokens/import", `{"appId":"crm","tenantId":"acme","accessToken":"AT-one","expiresAt":"2026-07-01T01:00:00Z","scopes":["contacts.read"]}`)
	if r.status != 201 || r.object(t)["connection"].(map[string]any)["expiresAt"] != "2026-07-01T01:00:00Z" || strings.Contains(r.body, "AT-one") {
		t.Fatalf("import one: %d %s", r.status, r.body)
	}
	r = a.call("POST", "/v1/tokens/import", `{"tokens":[{"appId":"crm","userId":"u1","accessToken":"AT-u1"},{"appId":"crm","userId":"u2","accessToken":"AT-u2"}]}`)
	if r.status != 201 || len(r.object(t)["connections"].([]any)) != 2 {
		t.Fatalf("import batch: %d %s", r.status, r.body)
	}
	r = a.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"u2"}`)
	if r.object(t)["token"].(map[string]any)["accessToken"] != "AT-u2" {
		t.Errorf("fetch imported: %s", r.body)
	}
	r = a.call("DELETE", "/v1/connections?appId=crm&userId=u1&skipRevoke=true", "")
	if r.status != 200 || !strings.Contains(r.body, "skipped") {
		t.Errorf("delete by app and user: %d %s", r.status, r.body)
	}
}
