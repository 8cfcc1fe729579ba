package console_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/server/console"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// testKey is the management key of the test consoles.
const testKey = "console-test-key-0123456789abcdefghij"

// env is a console on a test server, with the services it calls and its captured log.
type env struct {
	t     *testing.T
	store *store.Store
	apps  *apps.Apps
	vault *oauth.Vault
	keys  *apikeys.APIKeys
	hooks *webhooks.Webhooks
	url   string
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// setup starts a console on s (a store of its own when nil); adjust changes its options.
func setup(t *testing.T, s *store.Store, adjust func(*console.Options)) *env {
	t.Helper()
	if s == nil {
		s = storetest.New(t)
	}
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: s, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.apps, err = apps.NewApps(apps.Options{Store: s, Keyring: ring, Logger: log, PublicURL: "https://auth.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	e.vault, err = oauth.NewVault(e.apps, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.keys = apikeys.NewAPIKeys(e.apps)
	e.apps.OnDelete(e.vault.DeleteAppConnections)
	e.apps.OnDelete(e.keys.DeleteApp)
	e.hooks, err = webhooks.New(webhooks.Options{Store: s, Keyring: ring, Logger: log, Egress: webhooks.Egress{AllowHTTPLoopback: true}})
	if err != nil {
		t.Fatal(err)
	}
	opts := console.Options{Store: s, Apps: e.apps, Vault: e.vault, APIKeys: e.keys, Webhooks: e.hooks, ManagementKeys: []string{testKey}, Logger: log}
	if adjust != nil {
		adjust(&opts)
	}
	c, err := console.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(c.Base()+"/", http.StripPrefix(c.Base(), c))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	e.url = ts.URL + c.Base()
	return e
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	e    *env
	http *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.url+path, nil)
	return b.do(req)
}

// post sends a form as the console's own page would (Origin of the server).
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.postFrom(path, form, originOf(b.e.url))
}

func (b *browser) postFrom(path string, form url.Values, origin string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

func originOf(raw string) string {
	u, _ := url.Parse(raw)
	return u.Scheme + "://" + u.Host
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the first form of a page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token on the page (status %d): %s", p.status, p.body)
	}
	return m[1]
}

// signIn signs the browser in with key and returns the CSRF token of its session.
func (b *browser) signIn(key string) page {
	b.t.Helper()
	form := b.get("/sign-in")
	return b.post("/sign-in", url.Values{"_csrf": {csrf(b.t, form)}, "key": {key}, "next": {b.e.url + "/apps"}})
}

// session signs in and returns the session's CSRF token.
func (b *browser) session() string {
	b.t.Helper()
	if p := b.signIn(testKey); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	return csrf(b.t, b.get("/apps"))
}
