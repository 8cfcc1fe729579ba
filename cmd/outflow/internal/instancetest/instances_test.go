package instancetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Three instances on one Redis: each step of a flow goes to another one, and so does each step
// of a consent; the instance that sent the browser to the provider is killed with SIGKILL before
// the provider sends it back, and another one finishes. SIGTERM then stops the others cleanly.
func TestThreeInstancesShareFlowsAndConsentsThroughAKill(t *testing.T) {
	f := newFleet(t)
	a, b, c := f.start("a"), f.start("b"), f.start("c")
	api := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// A flow: start on a, the first screen on b, the second on c, the callback on a.
	f.lb.to(a)
	r := f.do(api, "POST", "/v1/flows/hop/start", `{"userId":"ada"}`, true)
	if r.status != http.StatusOK {
		t.Fatalf("start on a: %d %s", r.status, r.body)
	}
	x := r.object(t)
	id := x["executionId"].(string)
	f.lb.to(b)
	r = f.next(api, id, x, map[string]any{"name": "Ada"})
	if r.status != http.StatusOK || r.object(t)["stepId"] != "plan" {
		t.Fatalf("first screen on b: %d %s", r.status, r.body)
	}
	f.lb.to(c)
	r = f.next(api, id, r.object(t), map[string]any{"plan": "pro"})
	redirect, _ := r.object(t)["redirect"].(map[string]any)
	authorize, _ := redirect["url"].(string)
	if r.status != http.StatusOK || !strings.HasPrefix(authorize, f.provider.AuthURL()+"?") {
		t.Fatalf("second screen on c: %d %s; want a redirect to the provider", r.status, r.body)
	}
	f.lb.to(a)
	back := f.approve(api, authorize)
	if cb := f.do(api, "GET", back, "", false); cb.status >= 400 {
		t.Fatalf("the flow's callback on a: %d %s", cb.status, cb.body)
	}
	f.lb.to(b)
	r = f.do(api, "GET", "/v1/executions/"+url.PathEscape(id), "", true)
	var got struct {
		Status string         `json:"status"`
		Output map[string]any `json:"output"`
	}
	_ = json.Unmarshal([]byte(r.body), &got)
	if r.status != http.StatusOK || got.Status != "completed" || got.Output["connected"] != true || got.Output["name"] != "Ada" || got.Output["plan"] != "pro" {
		t.Fatalf("the execution, read on b: %d %s", r.status, r.body)
	}

	// A consent: the link is made on b, its page shown on a and its form sent to c, which sends
	// the browser to the provider and is killed; the provider sends the browser back to a,
	// which finishes.
	browser := newBrowser(t)
	f.lb.to(b)
	r = f.do(api, "POST", "/v1/connect", `{"appId":"crm","userId":"bob"}`, true)
	link, _ := r.object(t)["url"].(string)
	if r.status != http.StatusOK || !strings.HasPrefix(link, f.lb.URL+"/v1/oauth/start/") {
		t.Fatalf("connect on b: %d %s", r.status, r.body)
	}
	f.lb.to(a)
	page := f.do(browser, "GET", link, "", false)
	csrf := csrfField.FindStringSubmatch(page.body)
	if page.status != http.StatusOK || csrf == nil {
		t.Fatalf("the link's page on a: %d %s", page.status, page.body)
	}
	f.lb.to(c)
	open := f.form(browser, link, url.Values{"_csrf": {csrf[1]}})
	if open.status != http.StatusSeeOther || !strings.HasPrefix(open.location, f.provider.AuthURL()+"?") {
		t.Fatalf("the link's form sent to c: %d %q %s", open.status, open.location, open.body)
	}
	c.signal(t, syscall.SIGKILL)
	c.wait(t, 30*time.Second)
	f.lb.to(a)
	back = f.approve(browser, open.location)
	if cb := f.do(browser, "GET", back, "", false); cb.status >= 400 {
		t.Fatalf("the consent's callback on a, c being dead: %d %s", cb.status, cb.body)
	}
	f.lb.to(b)
	r = f.do(api, "POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"bob"}`, true)
	tok, _ := r.object(t)["token"].(map[string]any)
	if at, _ := tok["accessToken"].(string); r.status != http.StatusOK || at == "" {
		t.Fatalf("fetch bob's token on b: %d %s", r.status, r.body)
	}

	for _, in := range []*instance{a, b} {
		in.signal(t, syscall.SIGTERM)
	}
	for _, in := range []*instance{a, b} {
		if code := in.wait(t, 60*time.Second); code != 0 {
			t.Errorf("instance %s stopped by SIGTERM with exit code %d", in.name, code)
		}
	}
	for _, name := range []string{"refresh", "recheck", "whretry", "xexpiry"} {
		if n, err := f.st.Schedule(name).Leased(t.Context()); err != nil || n != 0 {
			t.Errorf("schedule %s: %d leases held after SIGTERM (%v)", name, n, err)
		}
	}
}

// next answers the screen of the execution in x (a start or next answer) with input.
func (f *fleet) next(c *http.Client, id string, x map[string]any, input map[string]any) answer {
	f.t.Helper()
	body, _ := json.Marshal(map[string]any{"stepId": x["stepId"], "interaction": "continue", "nonce": x["nonce"], "input": input})
	return f.do(c, "POST", "/v1/executions/"+url.PathEscape(id)+"/next", string(body), false)
}

// approve follows an authorization URL at the provider, which approves at once, and returns the
// callback URL it sends the browser back to.
func (f *fleet) approve(c *http.Client, authorize string) string {
	t := f.t
	t.Helper()
	r := f.do(c, "GET", authorize, "", false)
	if r.status != http.StatusFound && r.status != http.StatusSeeOther {
		t.Fatalf("the provider answered the authorization with %d %s", r.status, r.body)
	}
	if !strings.HasPrefix(r.location, f.lb.URL+"/") || !strings.Contains(r.location, "code=") {
		t.Fatalf("the provider sent the browser to %q", r.location)
	}
	return r.location
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// form posts a form as a browser on the public URL's page does.
func (f *fleet) form(c *http.Client, rawURL string, v url.Values) answer {
	f.t.Helper()
	return f.do(c, "POST", rawURL, v.Encode(), false, "Content-Type", "application/x-www-form-urlencoded", "Origin", f.lb.URL)
}
