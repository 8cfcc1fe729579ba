package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
	"github.com/outflowhq/outflow/outbound/apps"
)

// sandboxServer serves the in-process sandbox provider at the root of an httptest server.
func sandboxServer(t *testing.T) (*sandbox.Provider, *httptest.Server) {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	p, err := sandbox.New(sandbox.Config{Issuer: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	h = p.Handler()
	return p, srv
}

// checkTemplate is a complete oauth2 template; edit adjusts it.
func checkTemplate(id string, edit func(*apps.Template)) apps.Template {
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><title>T</title></svg>`
	t := apps.Template{
		App: apps.App{ID: id, Kind: apps.KindOAuth2, Name: "Test provider", DocsURL: "https://docs.example.com/oauth",
			Logo: "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg)), PKCE: true},
		Categories: []string{"dev-tools"}, Keywords: []string{"test"}, Quirks: []string{"none"},
		Sources: apps.Sources{Checked: "2026-12-07", Endpoints: []string{"https://docs.example.com/oauth"},
			Refresh: []string{"https://docs.example.com/oauth"}, API: []string{"https://docs.example.com/api"}},
	}
	edit(&t)
	return t
}

func testChecker() *catalogChecker {
	return &catalogChecker{online: true, timeout: 5 * time.Second, client: noRedirectClient()}
}

func resultFor(r templateReport, what string) checkResult {
	for _, c := range r.Checks {
		if c.What == what {
			return c
		}
	}
	return checkResult{}
}

func TestCatalogCheckComparesTheSandboxDiscoveryDocument(t *testing.T) {
	t.Parallel()
	p, srv := sandboxServer(t)
	matching := checkTemplate("sandbox", func(t *apps.Template) {
		t.DiscoveryURL = srv.URL + "/.well-known/openid-configuration"
		t.Issuer, t.AuthorizationURL, t.TokenURL, t.RevocationURL = p.Issuer(), p.AuthURL(), p.TokenURL(), p.RevocationURL()
		t.APIBaseURLs = []string{srv.URL + "/api"}
	})
	r := testChecker().check(context.Background(), matching)
	if r.Status != statusOK {
		t.Fatalf("a template matching the sandbox: %s %+v", r.Status, r.Checks)
	}
	if c := resultFor(r, "token endpoint"); c.Result != resultOK {
		t.Errorf("token endpoint check: %+v", c)
	}

	drifted := checkTemplate("sandbox-old", func(t *apps.Template) {
		t.DiscoveryURL = srv.URL + "/.well-known/oauth-authorization-server"
		t.AuthorizationURL, t.TokenURL = p.AuthURL(), srv.URL+"/oauth/v1/token"
		t.PKCE = false
		t.APIBaseURLs = []string{srv.URL}
	})
	r = testChecker().check(context.Background(), drifted)
	if r.Status != statusDrift {
		t.Fatalf("a template with a moved token endpoint: %s", r.Status)
	}
	if c := resultFor(r, "token endpoint"); c.Result != resultDrift || !strings.Contains(c.Detail, p.TokenURL()) {
		t.Errorf("token endpoint drift not explained: %+v", c)
	}
	if c := resultFor(r, "PKCE"); c.Result != resultAdvice {
		t.Errorf("PKCE off where the provider offers S256: %+v", c)
	}
	if c := resultFor(r, "revocation endpoint"); c.Result != resultAdvice || !strings.Contains(c.Detail, p.RevocationURL()) {
		t.Errorf("revocation taken from discovery not reported: %+v", c)
	}
}

func TestCatalogCheckProbesEndpointsWithoutCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(context.Background()))
		mu.Unlock()
		switch r.URL.Path {
		case "/authorize":
			http.Redirect(w, r, "https://login.example.com/", http.StatusFound)
		case "/token":
			w.WriteHeader(http.StatusMethodNotAllowed)
		case "/v1/models":
			w.WriteHeader(http.StatusUnauthorized)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	oauth := checkTemplate("endpoints", func(t *apps.Template) {
		t.AuthorizationURL, t.TokenURL, t.UserInfoURL = srv.URL+"/authorize", srv.URL+"/token", srv.URL+"/gone/me"
		t.APIBaseURLs = []string{srv.URL}
	})
	r := testChecker().check(context.Background(), oauth)
	if r.Status != statusDrift || resultFor(r, "user info endpoint").Result != resultDrift {
		t.Errorf("a 404 user info endpoint is not drift: %s %+v", r.Status, r.Checks)
	}
	if c := resultFor(r, "authorization endpoint"); c.Result != resultOK || c.Detail != "answers 302" {
		t.Errorf("a redirecting authorization endpoint: %+v", c)
	}
	key := checkTemplate("keyed", func(t *apps.Template) {
		t.Kind, t.PKCE = apps.KindAPIKey, false
		t.APIKey = &apps.APIKeyConfig{Label: "Key", BaseURL: srv.URL, Probe: &apps.Probe{Path: "/v1/models"}}
		t.APIBaseURLs = []string{srv.URL + "/v1"}
		t.Sources.Refresh, t.Sources.Keys = nil, []string{"https://docs.example.com/keys"}
	})
	if r := testChecker().check(context.Background(), key); r.Status != statusOK {
		t.Errorf("a key probe answering 401 without a key: %s %+v", r.Status, r.Checks)
	}
	for _, req := range seen {
		if req.Header.Get("Authorization") != "" || req.Header.Get("Cookie") != "" || req.URL.RawQuery != "" || req.ContentLength > 0 {
			t.Errorf("%s %s carried a credential, query or body", req.Method, req.URL)
		}
	}
}

func TestCatalogCheckReportsWhatItCouldNotReach(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	tmpl := checkTemplate("offline", func(t *apps.Template) {
		t.AuthorizationURL, t.TokenURL = base+"/authorize", base+"/token"
		t.APIBaseURLs = []string{base}
	})
	r := testChecker().check(context.Background(), tmpl)
	if r.Status != statusUnchecked || catalogExitCode([]templateReport{r}) != catalogUnchecked {
		t.Fatalf("unreachable endpoints: %s %+v", r.Status, r.Checks)
	}
	if c := resultFor(r, "token endpoint"); !strings.Contains(c.Detail, "127.0.0.1") {
		t.Errorf("the error does not name the host: %+v", c)
	}
	bad := checkTemplate("incomplete", func(t *apps.Template) {
		t.AuthorizationURL, t.TokenURL = base+"/authorize", base+"/token"
	})
	if r := testChecker().check(context.Background(), bad); r.Status != statusInvalid || resultFor(r, "apiBaseUrls").Result != resultInvalid {
		t.Errorf("a template without API bases: %s %+v", r.Status, r.Checks)
	}
}

func TestCatalogCommand(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append([]string{"catalog"}, args...), Env{Stdout: &out, Stderr: &errOut})
		return code, out.String(), errOut.String()
	}
	code, out, _ := run("check")
	if code != catalogOK || !strings.Contains(out, "templates checked (offline)") || !strings.Contains(out, "google-contacts") {
		t.Errorf("offline check: %d\n%s", code, out)
	}
	code, out, _ = run("check", "--template", "zendesk", "--json")
	var rep struct {
		Online    bool
		Templates []templateReport
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Templates) != 1 || rep.Templates[0].ID != "zendesk" || rep.Online {
		t.Errorf("--template zendesk --json: %d %v\n%s", code, err, out)
	}
	if code, _, errOut := run("check", "--template", "nope"); code != catalogUsage || !strings.Contains(errOut, `no template "nope"`) {
		t.Errorf("unknown template: %d %s", code, errOut)
	}
	if code, _, _ := run("lint"); code != catalogUsage {
		t.Errorf("unknown subcommand: %d", code)
	}
}
