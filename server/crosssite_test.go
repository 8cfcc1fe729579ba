package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// pressFrom posts a Continue form to a one-time link u in browser c, as a page at origin would
// (origin "" sends no Origin header, as older browsers do; site is Sec-Fetch-Site).
func pressFrom(t *testing.T, c *http.Client, u, csrf, origin, site string) response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(url.Values{"_csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	return do(t, c, req)
}

// show fetches a one-time link's Continue page in browser b, without pressing Continue.
func show(t *testing.T, b *browser, link string) response {
	t.Helper()
	req, _ := http.NewRequest("GET", link, nil)
	return do(t, b.c, req)
}

// An attacker starts a flow for their own account and makes a victim's browser post its link
// (an auto-submitted form on the attacker's page): the post is refused, sets no cookie and binds
// nothing, so the victim's consent cannot land on the attacker's account. The link still works
// for the browser its page was shown to.
func TestAnotherSiteCannotMakeABrowserUseALink(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for _, kind := range []string{"a flow's link", "a consent link"} {
		link := ""
		if kind == "a flow's link" {
			_, link = h.start("signup", `{"userId":"mallory"}`)
		} else {
			r := h.api.call("POST", "/v1/connect", `{"appId":"crm","userId":"mallory"}`)
			link, _ = r.object(t)["url"].(string)
		}
		attacker := h.browser()
		attackerPage := show(t, attacker, link)
		attackerCSRF := hiddenField(attackerPage.body, "_csrf")
		if attackerPage.status != http.StatusOK || attackerCSRF == "" {
			t.Fatalf("%s: the Continue page: %d %s", kind, attackerPage.status, attackerPage.body)
		}

		withCookie := h.browser()
		_, other := h.start("signup", `{"userId":"victim"}`)
		show(t, withCookie, other) // the victim opened a page of this server before: it has a cookie
		for victimName, victim := range map[string]*browser{"a new browser": h.browser(), "a browser with a cookie": withCookie} {
			for name, attack := range map[string]struct{ csrf, origin, site string }{
				"a form on another site":                   {"", "https://evil.example", "cross-site"},
				"a form on another site, no Origin":        {"", "", "cross-site"},
				"a form on another site, Origin only":      {attackerCSRF, "https://evil.example", ""},
				"the attacker's own token, an old browser": {attackerCSRF, "", ""},
				"the attacker's own token, Origin null":    {attackerCSRF, "null", ""},
			} {
				r := pressFrom(t, victim.c, link, attack.csrf, attack.origin, attack.site)
				if r.status != http.StatusForbidden || r.header.Get("Set-Cookie") != "" || r.location != "" {
					t.Errorf("%s, %s, in %s: %d %q, Set-Cookie %q; want 403 and no cookie", kind, name, victimName, r.status, r.location, r.header.Get("Set-Cookie"))
				}
			}
		}
		if page := show(t, h.browser(), link); page.status != http.StatusOK {
			t.Errorf("%s: after the refused posts the link shows %d, want its Continue page", kind, page.status)
		}

		// The legitimate path: the page, then Continue from it, as a browser sends it.
		mine := h.browser()
		page := show(t, mine, link)
		wantTitle := map[string]string{"a flow's link": "Signup", "a consent link": "Connect to Acme CRM"}[kind]
		if !strings.Contains(page.body, wantTitle) {
			t.Errorf("%s: the Continue page does not say what it continues (%q):\n%s", kind, wantTitle, page.body)
		}
		r := pressFrom(t, mine.c, link, hiddenField(page.body, "_csrf"), h.origin, "same-origin")
		if r.status != http.StatusSeeOther {
			t.Errorf("%s: Continue from its own page: %d %s", kind, r.status, r.body)
		}
	}
}

// Every form a hosted page posts is refused when another site sends it, whatever its token.
func TestHostedFormsRefuseOtherSites(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	id, link := h.start("signup", `{"userId":"ada"}`)
	a := h.browser()
	a.get(a.get(link).location)
	form := url.Values{"_action": {"cancel"}, "_csrf": {hiddenField(a.last.body, "_csrf")},
		"_nonce": {hiddenField(a.last.body, "_nonce")}, "_step": {"about"}}
	for name, header := range map[string][2]string{
		"Origin":         {"Origin", "https://evil.example"},
		"Sec-Fetch-Site": {"Sec-Fetch-Site", "cross-site"},
		"a sibling site": {"Origin", strings.Replace(h.origin, "127.0.0.1", "localhost", 1)},
	} {
		req, _ := http.NewRequest("POST", h.base+"/flows/run/"+id, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(header[0], header[1])
		if r := do(t, a.c, req); r.status != http.StatusForbidden || !strings.Contains(r.body, "another site") {
			t.Errorf("a form sent by %s: %d %s", name, r.status, r.body)
		}
	}
	if x := h.api.call("GET", "/v1/executions/"+id, "").object(t); x["status"] != "waiting" {
		t.Errorf("a refused form moved the execution: %v", x["status"])
	}
	req, _ := http.NewRequest("POST", h.base+"/flows/run/"+id, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if r := do(t, a.c, req); r.status != http.StatusSeeOther {
		t.Errorf("the form from its own page: %d %s", r.status, r.body)
	}
}

// An Origin on the server's host with the other scheme is another site: a page served over http
// cannot post to a server browsers reach over https, and the other way round. The scheme is the
// public URL's, or without one the request's own.
func TestAnOriginWithTheOtherSchemeIsAnotherSite(t *testing.T) {
	t.Parallel()
	for _, cfg := range []hostedConfig{{tls: true}, {tls: true, noPublicURL: true}, {}, {noPublicURL: true}} {
		h := setupHostedWith(t, cfg)
		own := h.origin
		other := "http://" + strings.TrimPrefix(own, "https://")
		if !cfg.tls {
			other = "https://" + strings.TrimPrefix(own, "http://")
		}
		for origin, want := range map[string]int{other: http.StatusForbidden, own: http.StatusSeeOther} {
			_, link := h.start("signup", `{"userId":"ada"}`)
			b := h.browser()
			page := show(t, b, link)
			if r := pressFrom(t, b.c, link, hiddenField(page.body, "_csrf"), origin, ""); r.status != want {
				t.Errorf("%+v: Continue with Origin %s: %d, want %d", cfg, origin, r.status, want)
			}
		}
	}
}
