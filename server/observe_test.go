package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// connectCRM runs the crm-tour flow in a browser up to the provider's redirect back, and returns
// the browser, the execution id and the callback path.
func (h *hosted) connectCRM(user string) (*browser, string, string) {
	h.t.Helper()
	id, link := h.start("crm-tour", `{"userId":"`+user+`"}`)
	a := h.browser()
	a.get(a.get(link).location)
	r := a.submit("go", nil)
	if r.status != http.StatusSeeOther {
		h.t.Fatalf("press go: %d %s", r.status, r.body)
	}
	return a, id, "/v1/oauth/callback/crm?" + h.p.approve(h.t, r.location)
}

// TestTheAccessLogHoldsNoSecrets captures the log around a flow's one-time link, a consent
// link, an OAuth callback and a token fetch: one line per request with the route, the path, the
// status, the size and the duration, and never a query string, a link's token, a token, a key
// or a cookie.
func TestTheAccessLogHoldsNoSecrets(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	a, _, callback := h.connectCRM("ada")
	q, _ := url.ParseQuery(strings.SplitN(callback, "?", 2)[1])
	if r := a.get(callback); r.status != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", r.status, r.body)
	}
	r := h.api.call("POST", "/v1/connect", `{"appId":"crm","userId":"ada"}`)
	consentLink, _ := r.object(t)["url"].(string)
	if r := h.browser().get(consentLink); r.status != http.StatusSeeOther {
		t.Fatalf("the consent link: %d %s", r.status, r.body)
	}
	_, unused := h.start("signup", `{"userId":"ada"}`)
	for _, method := range []string{"PUT", "DELETE"} { // no route: the path is still redacted
		req, _ := http.NewRequest(method, unused, nil)
		do(t, noRedirects, req)
		req, _ = http.NewRequest(method, consentLink, nil)
		do(t, noRedirects, req)
	}
	r = h.api.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"ada","withRefreshToken":true}`)
	tok, _ := r.object(t)["token"].(map[string]any)
	if r.status != 200 || tok["accessToken"] == "" {
		t.Fatalf("fetch: %d %s", r.status, r.body)
	}

	lines := map[string]map[string]any{} // route → its last access log line
	for _, line := range strings.Split(h.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "http request" {
			lines[rec["route"].(string)] = rec
		}
	}
	for route, path := range map[string]string{
		"GET /v1/oauth/callback/{appId}": "/v1/oauth/callback/crm",
		"POST /v1/tokens/fetch":          "/v1/tokens/fetch",
		"GET /flows/link/{token}":        "/flows/link/…",
		"POST /flows/link/{token}":       "/flows/link/…",
		"GET /v1/oauth/start/{token}":    "/v1/oauth/start/…",
		"POST /v1/oauth/start/{token}":   "/v1/oauth/start/…",
		"POST /flows/run/{executionId}":  "",
	} {
		rec, ok := lines[route]
		if !ok {
			t.Errorf("no access log line for %s", route)
			continue
		}
		if path != "" && rec["path"] != path {
			t.Errorf("%s logged path %v, want %s", route, rec["path"], path)
		}
		for _, field := range []string{"method", "status", "bytes", "duration"} {
			if _, ok := rec[field]; !ok {
				t.Errorf("%s: the line has no %s: %v", route, field, rec)
			}
		}
	}
	if rec := lines["GET /v1/oauth/callback/{appId}"]; rec != nil && rec["status"] != float64(303) {
		t.Errorf("the callback logged status %v", rec["status"])
	}
	cookie := ""
	for _, c := range a.c.Jar.Cookies(mustURL(t, h.base)) {
		cookie = c.Value
	}
	logs := h.logs.String()
	for name, secret := range map[string]string{
		"the consent link's token": consentLink[strings.LastIndex(consentLink, "/")+1:],
		"an unused link's token":   unused[strings.LastIndex(unused, "/")+1:],
		"the code":                 q.Get("code"), "the state": q.Get("state"), "the access token": tok["accessToken"].(string),
		"the refresh token": tok["refreshToken"].(string), "the management key": hostedKey, "the cookie": cookie,
		"a query string": "?code=", "an Authorization header": "Bearer",
	} {
		if secret == "" {
			t.Fatalf("%s is empty", name)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %s", name)
		}
	}
}

// TestTheMetricsMove runs a flow, a consent (refused once, then completed), fetches and a
// refresh, and reads the counters and histograms at /metrics.
func TestTheMetricsMove(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	_, link := h.start("signup", `{"userId":"ada"}`)
	a := h.browser()
	a.get(a.get(link).location)
	a.submit("continue", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"pw"}, "plan": {"free"}, "terms": {"true"}})

	b, _, callback := h.connectCRM("bob")
	h.browser().get(callback) // another browser: refused
	b.get(callback)
	h.api.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"bob"}`)
	h.api.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"bob","forceRefresh":true}`)
	h.api.call("POST", "/v1/tokens/fetch", `{"appId":"crm","userId":"nobody"}`)

	m := scrape(t, h)
	for _, want := range []struct {
		name   string
		labels string
		min    float64
	}{
		{"outflow_flows_started_total", `flow="signup"`, 1},
		{"outflow_flows_finished_total", `flow="signup",status="completed"`, 1},
		{"outflow_flows_finished_total", `flow="crm-tour",status="completed"`, 1},
		{"outflow_steps_total", `kind="screen",result="paused"`, 2},
		{"outflow_steps_total", `kind="screen",result="completed"`, 2},
		{"outflow_steps_total", `kind="end",result="completed"`, 2},
		{"outflow_steps_total", `kind="outbound.connect",result="paused"`, 1},
		{"outflow_step_duration_seconds_count", `kind="outbound.connect"`, 2},
		{"outflow_connect_started_total", `app="crm"`, 1},
		{"outflow_connect_callbacks_total", `app="unknown",outcome="refused"`, 1},
		{"outflow_connect_callbacks_total", `app="crm",outcome="connected"`, 1},
		{"outflow_connect_callback_duration_seconds_count", `app="crm"`, 1},
		{"outflow_token_fetches_total", `app="crm",result="ok"`, 2},
		{"outflow_token_fetches_total", `app="crm",result="not_connected"`, 1},
		{"outflow_token_fetch_duration_seconds_count", `app="crm"`, 3},
		{"outflow_token_refreshes_total", `app="crm",result="ok"`, 1},
		{"outflow_token_refresh_duration_seconds_count", `app="crm"`, 1},
		{"outflow_http_requests_total", `code="200",method="POST",route="POST /v1/tokens/fetch"`, 2},
		{"outflow_http_requests_total", `code="403",method="GET",route="GET /v1/oauth/callback/{appId}"`, 1},
		{"outflow_http_request_duration_seconds_count", `method="POST",route="POST /v1/flows/{flowId}/start"`, 2},
	} {
		if got := m[want.name+"{"+want.labels+"}"]; got < want.min {
			t.Errorf("%s{%s} = %v, want at least %v", want.name, want.labels, got, want.min)
		}
	}
	if m[`go_goroutines{}`] == 0 {
		t.Error("the Go runtime collector is missing")
	}
}

// Requests anyone can send (an OAuth callback for a made-up app, or with a made-up state) and
// a fetch for an app that does not exist add no metrics series named after what they sent: the
// app is "unknown".
func TestMetricsLabelsHoldNothingARequestMadeUp(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for i := range 3 {
		n := strconv.Itoa(i)
		h.browser().get("/v1/oauth/callback/made-up-app-" + n + "?state=made-up-state-" + n + "&code=c")
		h.browser().get("/v1/oauth/callback/made-up-app-" + n)
		h.api.call("POST", "/v1/tokens/fetch", `{"appId":"made-up-app-`+n+`","userId":"ada"}`)
		h.browser().get("/made-up-path-" + n)
	}
	h.browser().get("/v1/oauth/callback/crm?state=made-up-state&code=c")

	m := scrape(t, h)
	for series := range m {
		if strings.Contains(series, "made-up") {
			t.Errorf("a series is named after a request: %s", series)
		}
	}
	for _, want := range []struct {
		series string
		min    float64
	}{
		{`outflow_connect_callbacks_total{app="unknown",outcome="refused"}`, 7},
		{`outflow_connect_callback_duration_seconds_count{app="unknown"}`, 7},
		{`outflow_token_fetches_total{app="unknown",result="invalid_request"}`, 3},
	} {
		if m[want.series] < want.min {
			t.Errorf("%s = %v, want at least %v", want.series, m[want.series], want.min)
		}
	}
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$`)

// scrape reads GET /metrics into "name{labels}" → value.
func scrape(t *testing.T, h *hosted) map[string]float64 {
	t.Helper()
	r := h.browser().get("/metrics")
	if r.status != 200 {
		t.Fatalf("GET /metrics: %d", r.status)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(r.body, "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		labels := m[2]
		if labels == "" {
			labels = "{}"
		}
		out[m[1]+labels] = v
	}
	return out
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
