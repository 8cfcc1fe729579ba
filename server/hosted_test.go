package server_test

import (
	"encoding/json"
	"github.com/outflowhq/outflow/server"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestALinkBindsTheExecutionToTheBrowserThatOpensIt(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	id, link := h.start("signup", `{"userId":"ada"}`)
	a := h.browser()

	req, _ := http.NewRequest("GET", link, nil)
	page := do(t, a.c, req)
	cookie := page.header.Get("Set-Cookie")
	r := do(t, a.c, continueRequest(t, link, page.body))
	if r.status != http.StatusSeeOther || r.location != "/flows/run/"+id {
		t.Fatalf("open the link: %d %q", r.status, r.location)
	}
	for _, want := range []string{"outflow_browser=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("the cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("the cookie is Secure on an http server: %q", cookie)
	}
	if r := a.get(r.location); r.status != 200 || !strings.Contains(r.body, "<h1 id=\"title\">Tell us about you</h1>") {
		t.Fatalf("the page: %d\n%s", r.status, r.body)
	}
	nonce := hiddenField(a.last.body, "_nonce")

	// The link works once.
	if r := a.get(link); r.status != http.StatusGone || !strings.Contains(r.body, "already been used") {
		t.Errorf("the link opened again: %d %s", r.status, r.body)
	}
	if r := a.get("/flows/link/short"); r.status != http.StatusNotFound {
		t.Errorf("a malformed link: %d", r.status)
	}
	// Another browser sees a clear page, and cannot advance the execution through the API.
	b := h.browser()
	if r := b.get("/flows/run/" + id); r.status != http.StatusForbidden || !strings.Contains(r.body, "Open this in the browser you started in") {
		t.Errorf("another browser's page: %d %s", r.status, r.body)
	}
	r = h.api.call("POST", "/v1/executions/"+id+"/next", `{"interaction":"cancel","nonce":"`+nonce+`"}`)
	if r.status != http.StatusForbidden || r.errorBody(t)["code"] != "wrong_browser" {
		t.Errorf("next without the browser: %d %s", r.status, r.body)
	}
	if x := h.api.call("GET", "/v1/executions/"+id, ""); x.object(t)["status"] != "waiting" {
		t.Errorf("the execution moved: %s", x.body)
	}
}

func TestAHostedFormShowsMessagesNextToTheirFields(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	id, link := h.start("signup", `{"userId":"ada"}`)
	a := h.browser()
	a.get(a.get(link).location)
	page := a.last.body
	for _, want := range []string{
		`<label for="f0-name">Your name</label>`, `type="password" id="f2-password" name="password"`,
		`type="radio" id="f3-plan-1" name="plan" value="pro"`, `type="checkbox" id="f4-topics-0" name="topics" value="news"`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`, `formnovalidate`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}

	// A form from elsewhere (no CSRF token) changes nothing.
	form := url.Values{"_action": {"cancel"}, "_nonce": {hiddenField(page, "_nonce")}, "_step": {"about"}}
	if r := a.post("/flows/run/"+id, form); r.status != http.StatusForbidden || !strings.Contains(r.body, "Please try that again") {
		t.Errorf("a post without the CSRF token: %d %s", r.status, r.body)
	}

	r := a.submit("continue", url.Values{"name": {"Ada"}, "email": {"not-an-email"}, "password": {"hunter2-secret"}, "plan": {"pro"}})
	if r.status != http.StatusSeeOther || r.location != "/flows/run/"+id {
		t.Fatalf("submit: %d %q %s", r.status, r.location, r.body)
	}
	page = a.get(r.location).body
	for _, want := range []string{
		`id="f1-email" name="email" value="not-an-email" required autocomplete="email" aria-invalid="true" aria-describedby="f1-email-error" autofocus`,
		`<p class="error" id="f1-email-error">Work email must be an email address.</p>`,
		`id="f5-terms" name="terms" value="true" aria-required="true" aria-invalid="true" aria-describedby="f5-terms-error">`,
		`value="Ada"`, `value="pro" checked`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page after a wrong answer lacks %s\n%s", want, page)
		}
	}
	if strings.Contains(page, "hunter2-secret") || strings.Count(page, "autofocus") != 1 {
		t.Errorf("the secret came back, or more than one field takes the focus:\n%s", page)
	}

	r = a.submit("continue", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"hunter2-secret"},
		"plan": {"pro"}, "topics": {"news", "tips"}, "terms": {"true"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := a.get(r.location); r.status != 200 || !strings.Contains(r.body, "<h1>Welcome aboard</h1>") || !strings.Contains(r.body, "Thanks, Ada.") {
		t.Errorf("the finished page: %d %s", r.status, r.body)
	}
	x := h.api.call("GET", "/v1/executions/"+id, "").object(t)
	out, _ := json.Marshal(x["output"])
	if x["status"] != "completed" || string(out) != `{"name":"Ada","plan":"pro","terms":true,"topics":["news","tips"]}` {
		t.Errorf("the execution: %v %s", x["status"], out)
	}
	// The same form again (a double click): the browser goes back to the page, which says it is done.
	if r := a.post("/flows/run/"+id, url.Values{"_csrf": {hiddenField(page, "_csrf")}, "_nonce": {hiddenField(page, "_nonce")}, "_action": {"continue"}}); r.status != http.StatusSeeOther {
		t.Errorf("a stale form: %d %s", r.status, r.body)
	}
}

func TestAFinishedFlowGoesToItsAllowedRedirectURL(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	answer := url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"pw"}, "plan": {"free"}, "terms": {"true"}}
	for _, tc := range []struct{ next, want string }{
		{"https://app.example.com/welcome?x=1", "https://app.example.com/welcome?x=1"},
		{h.base + "/after", h.base + "/after"},
		{"https://evil.example.net/", ""},
	} {
		_, link := h.start("signup", `{"userId":"ada","input":{"next":"`+tc.next+`"}}`)
		a := h.browser()
		a.get(a.get(link).location)
		r := a.submit("continue", answer)
		if strings.HasPrefix(r.location, "/flows/run/") {
			r = a.get(r.location)
		}
		switch {
		case tc.want != "" && (r.status != http.StatusSeeOther || r.location != tc.want):
			t.Errorf("next %s: %d %q, want a redirect to it", tc.next, r.status, r.location)
		case tc.want == "" && (r.status != 200 || !strings.Contains(r.body, "Welcome aboard")):
			t.Errorf("next %s: %d %q, want the finished page", tc.next, r.status, r.location)
		}
	}
}

func TestAnExpiredExecutionShowsAFriendlyPage(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	id, link := h.start("signup", `{"userId":"ada"}`)
	a := h.browser()
	a.get(a.get(link).location)
	form := a.last
	h.clock.Advance(31 * time.Minute)
	if r := a.get("/flows/run/" + id); r.status != http.StatusGone || !strings.Contains(r.body, "This flow has expired") {
		t.Errorf("the page of an expired execution: %d %s", r.status, r.body)
	}
	a.last = form
	if r := a.submit("continue", nil); r.status != http.StatusSeeOther {
		t.Errorf("a form of an expired execution: %d", r.status)
	}
	if r := a.get("/flows/run/" + id); r.status != http.StatusGone {
		t.Errorf("after the form: %d", r.status)
	}
}

func TestTheOAuthCallbackReturnsToTheFlowOnlyInItsBrowser(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	id, link := h.start("crm-tour", `{"userId":"ada"}`)
	a := h.browser()
	a.get(a.get(link).location)
	r := a.submit("go", nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "https://crm.example.com/authorize?") {
		t.Fatalf("press go: %d %q", r.status, r.location)
	}
	callback := "/v1/oauth/callback/crm?" + h.p.approve(t, r.location)
	before := h.api.call("GET", "/v1/executions/"+id+"/events", "").object(t)["events"].([]any)

	other := h.browser()
	if r := other.get(callback); r.status != http.StatusForbidden || !strings.Contains(r.body, "started in another browser") || !strings.Contains(r.body, h.base) {
		t.Errorf("the callback in another browser: %d %s", r.status, r.body)
	}
	x := h.api.call("GET", "/v1/executions/"+id, "").object(t)
	after := h.api.call("GET", "/v1/executions/"+id+"/events", "").object(t)["events"].([]any)
	if x["status"] != "waiting" || x["stepId"] != "connect" || len(after) != len(before) {
		t.Errorf("the refused callback changed the execution: %v, %d events then %d", x, len(before), len(after))
	}
	if c := h.api.call("GET", "/v1/connections?userId=ada", ""); strings.Contains(c.body, `"id"`) {
		t.Errorf("the refused callback stored a connection: %s", c.body)
	}

	r = a.get(callback)
	if r.status != http.StatusSeeOther || r.location != "/flows/run/"+id {
		t.Fatalf("the callback in the right browser: %d %q %s", r.status, r.location, r.body)
	}
	if r := a.get(r.location); !strings.Contains(r.body, "<h1>Connected</h1>") {
		t.Errorf("back in the flow: %d %s", r.status, r.body)
	}
}

func TestTheDemoLandingPageStartsFlows(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	if r := h.browser().get("/"); r.status != 200 || !strings.Contains(r.body, "Outflow is running") || strings.Contains(r.body, "Try it") {
		t.Errorf("the index without the demo: %d %s", r.status, r.body)
	}
	if r := h.browser().post("/flows/try/signup", nil); r.status != http.StatusNotFound {
		t.Errorf("try without the demo: %d", r.status)
	}

	h = setupHosted(t, &server.Demo{Flows: []string{"crm-tour"}, Notes: []string{"a note"}})
	a := h.browser()
	page := a.get("/").body
	if !strings.Contains(page, "Crm tour") || strings.Contains(page, "Signup") || !strings.Contains(page, "a note") || !strings.Contains(page, "SANDBOX") {
		t.Errorf("the landing page:\n%s", page)
	}
	if r := h.browser().post("/flows/try/crm-tour", url.Values{"_csrf": {hiddenField(page, "_csrf")}}); r.status != http.StatusForbidden {
		t.Errorf("try from another browser: %d", r.status)
	}
	if r := a.post("/flows/try/signup", url.Values{"_csrf": {hiddenField(page, "_csrf")}}); r.status != http.StatusNotFound {
		t.Errorf("try a flow the demo does not offer: %d", r.status)
	}
	r := a.post("/flows/try/crm-tour", url.Values{"_csrf": {hiddenField(page, "_csrf")}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/flows/run/") {
		t.Fatalf("try it: %d %q, want the flow's page in this browser", r.status, r.location)
	}
	if r := a.get(r.location); !strings.Contains(r.body, "Connect your CRM") {
		t.Errorf("the tried flow: %d %s", r.status, r.body)
	}
}
