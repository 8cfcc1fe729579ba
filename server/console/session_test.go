package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/server/console"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestEveryConsoleRouteWithoutASessionGoesToSignIn(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	for _, path := range []string{"/", "/apps", "/library", "/library/google-contacts", "/apps/x", "/apps/x/delete",
		"/apps/x/connections", "/connections", "/flows", "/flows/x", "/executions", "/executions/x", "/nowhere"} {
		p := b.get(path)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/sign-in") {
			t.Errorf("GET %s: %d → %q, want a redirect to the sign-in page", path, p.status, p.location)
		}
	}
	for _, path := range []string{"/library/custom-oauth2", "/apps/x", "/apps/x/secret", "/apps/x/delete", "/sign-out",
		"/connections/x/disconnect", "/apps/x/connect-link"} {
		p := b.post(path, url.Values{"_csrf": {"x"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/sign-in") {
			t.Errorf("POST %s: %d → %q, want a redirect to the sign-in page", path, p.status, p.location)
		}
	}
}

func TestSignInSetsAStrictHttpOnlySessionCookieAndComesBack(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	p := b.get("/library")
	if !strings.Contains(p.location, "next=%2Fconsole%2Flibrary") {
		t.Fatalf("redirect %q does not come back to the page", p.location)
	}
	form := b.get("/sign-in?next=%2Fconsole%2Flibrary")
	if h := form.header.Get("Content-Security-Policy"); !strings.Contains(h, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", h)
	}
	p = b.post("/sign-in", url.Values{"_csrf": {csrf(t, form)}, "key": {testKey}, "next": {"/console/library"}})
	if p.status != http.StatusSeeOther || p.location != "/console/library" {
		t.Fatalf("sign-in: %d → %q", p.status, p.location)
	}
	var set string
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, console.SessionCookie+"=") {
			set = c
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age="} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("cookie %q is Secure over plain http", set)
	}
	// Redis keeps the session under the hash of its id: neither the id nor the key is there.
	id, _, _ := strings.Cut(strings.TrimPrefix(set, console.SessionCookie+"="), ";")
	for _, s := range []string{id, testKey} {
		if keys := storetest.Find(t, e.store, s); len(keys) > 0 {
			t.Errorf("%q is in Redis: %v", s, keys)
		}
	}
	if strings.Contains(e.logs.String(), id) || strings.Contains(e.logs.String(), testKey) {
		t.Error("the session id or the key reached the log")
	}
	if p := b.get("/apps"); p.status != http.StatusOK || !strings.Contains(p.body, "Outbound apps") {
		t.Errorf("apps page: %d", p.status)
	}
}

func TestSignInAfterLeavingGoesOnlyToConsolePages(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	for _, next := range []string{"https://evil.example/", "//evil.example/console/apps", "/other", "/console/sign-out", `/console\..\x`} {
		b := e.browser()
		form := b.get("/sign-in")
		p := b.post("/sign-in", url.Values{"_csrf": {csrf(t, form)}, "key": {testKey}, "next": {next}})
		if p.location != "/console/apps" {
			t.Errorf("next %q: went to %q", next, p.location)
		}
	}
}

func TestSignOutDeletesTheSessionInRedis(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	token := b.session()
	var cookie *http.Cookie
	u, _ := url.Parse(e.url + "/")
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == console.SessionCookie {
			cookie = c
		}
	}
	p := b.post("/sign-out", url.Values{"_csrf": {token}})
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "signedOut=1") {
		t.Fatalf("sign-out: %d %q", p.status, p.location)
	}
	// The old cookie, replayed, no longer opens anything.
	replay := e.browser()
	replay.http.Jar.SetCookies(u, []*http.Cookie{cookie})
	if p := replay.get("/apps"); p.status != http.StatusSeeOther {
		t.Errorf("the signed-out cookie still opens the console: %d", p.status)
	}
}

func TestAFormWithoutTheSessionsCSRFTokenOrFromAnotherOriginIsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	token := b.session()
	other := e.browser()
	otherToken := other.session()
	form := url.Values{"section": {"details"}, "name": {"Renamed"}}
	cases := map[string]func() page{
		"no token": func() page { return b.post("/library/custom-apikey", form) },
		"another session's token": func() page {
			return b.post("/library/custom-apikey", withCSRF(form, otherToken))
		},
		"another origin": func() page {
			return b.postFrom("/library/custom-apikey", withCSRF(form, token), "https://evil.example")
		},
		"cross-site fetch": func() page {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/sign-out", strings.NewReader(withCSRF(nil, token).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			return b.do(req)
		},
	}
	for name, send := range cases {
		if p := send(); p.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, p.status)
		}
	}
	if list, _ := e.apps.List(context.Background()); len(list) != 0 {
		t.Errorf("a refused form created %d apps", len(list))
	}
	if p := b.get("/apps"); p.status != http.StatusOK {
		t.Errorf("the session did not survive a refused cross-site sign-out: %d", p.status)
	}
}

func withCSRF(f url.Values, token string) url.Values {
	out := url.Values{"_csrf": {token}}
	for k, v := range f {
		out[k] = v
	}
	return out
}

func TestTwentyWrongSignInsFromOneAddressAreThrottled(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	var statuses []int
	for range 20 {
		statuses = append(statuses, b.signIn("not-the-key").status)
	}
	for i, st := range statuses {
		want := http.StatusUnauthorized
		if i >= 10 {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Fatalf("sign-in %d: %d, want %d (all: %v)", i+1, st, want, statuses)
		}
	}
	// Even the right key waits out the window from that address.
	if p := b.signIn(testKey); p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Errorf("the right key after the limit: %d", p.status)
	}
	if strings.Contains(e.logs.String(), "not-the-key") {
		t.Error("a tried key reached the log")
	}
}

func TestTheSignInLimitIsSharedByInstancesOnOneRedis(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		one := setup(t, s, func(o *console.Options) { o.SignInLimit = 3 })
		two := setup(t, s, func(o *console.Options) { o.SignInLimit = 3 })
		for range 3 {
			one.browser().signIn("wrong")
		}
		if p := two.browser().signIn(testKey); p.status != http.StatusTooManyRequests {
			t.Errorf("the other instance let the address in: %d", p.status)
		}
	})
}

func TestASessionFromAnotherInstanceWorks(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		one := setup(t, s, nil)
		two := setup(t, s, nil)
		b := one.browser()
		token := b.session()
		// Carry the cookie to the other instance, as a load balancer would.
		u1, _ := url.Parse(one.url + "/")
		u2, _ := url.Parse(two.url + "/")
		other := two.browser()
		other.http.Jar.SetCookies(u2, b.http.Jar.Cookies(u1))
		if p := other.get("/apps"); p.status != http.StatusOK {
			t.Fatalf("the other instance: %d", p.status)
		}
		if p := other.post("/library/custom-apikey", url.Values{"_csrf": {token}, "id": {"k1"}, "name": {"K1"}, "apiKey.label": {"Key"}}); p.status != http.StatusSeeOther {
			t.Fatalf("a form on the other instance: %d %s", p.status, p.body)
		}
		keys := s.Keys()
		n := 0
		_ = s.Scan(context.Background(), keys.Prefix()+":{console:s:*", func(string) error { n++; return nil })
		if n != 1 {
			t.Errorf("%d sessions in Redis, want 1", n)
		}
	})
}

func TestAnAuthorizerSignsInTheHostsPrincipal(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, func(o *console.Options) {
		o.ManagementKeys = nil
		o.Authorizer = func(r *http.Request) (string, bool) {
			return "host:" + r.Header.Get("X-Host-User"), r.Header.Get("X-Host-User") != ""
		}
	})
	b := e.browser()
	if p := b.get("/apps"); p.status != http.StatusSeeOther {
		t.Fatalf("no principal: %d", p.status)
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/apps", nil)
	req.Header.Set("X-Host-User", "alice")
	p := b.do(req)
	if p.status != http.StatusOK || !strings.Contains(p.body, "host:alice") {
		t.Fatalf("with a principal: %d", p.status)
	}
	token := csrf(t, p)
	if p := b.post("/library/custom-apikey", url.Values{"_csrf": {token}, "id": {"k1"}, "name": {"K1"}, "apiKey.label": {"Key"}}); p.status != http.StatusSeeOther {
		t.Fatalf("create: %d", p.status)
	}
	entries, err := events.Entries(context.Background(), e.store)
	if err != nil || len(entries) != 1 {
		t.Fatalf("events %+v, %v", entries, err)
	}
	if ev, err := events.Decode(entries[0].Fields); err != nil || ev.Actor != "host:alice" || ev.Type != events.AppCreated {
		t.Errorf("events %+v, %v", entries, err)
	}
}
