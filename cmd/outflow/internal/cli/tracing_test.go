package cli

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/server"
)

// tracedDemo runs the demo's wiring (the sandbox provider, its app, the server) on the embedded
// Redis with every span kept in memory.
func tracedDemo(t *testing.T) (base string, exp *tracetest.InMemoryExporter) {
	t.Helper()
	exp = tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String()
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	b, err := openBackend(ctx, backendConfig{log: log, publicURL: base, tracerProvider: tp,
		redirectAllowed: server.RedirectPolicy(base, nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	if err := loadFlows(ctx, b, ""); err != nil {
		t.Fatal(err)
	}
	opts := server.Options{Engine: b.engine, Store: b.store, Apps: b.apps, Vault: b.vault, APIKeys: b.apikeys, Proxy: b.proxy,
		ManagementKeys: []string{demoManagementKey}, PublicURL: base, Logger: log, TracerProvider: tp}
	h, _, err := startDemo(ctx, b, &opts, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return base, exp
}

// browser is a client with cookies that does not follow redirects, sending the trace context
// of parent with every request.
type browser struct {
	t      *testing.T
	c      *http.Client
	parent trace.SpanContext
}

func (b *browser) do(method, u string, body io.Reader, header map[string]string) *http.Response {
	resp, _ := b.read(method, u, body, header)
	return resp
}

// read is do, with the answer's body.
func (b *browser) read(method, u string, body io.Reader, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), b.parent), propagation.HeaderCarrier(req.Header))
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(text)
}

// A consent and a refresh, traced: each request is a server span continuing the caller's trace
// (traceparent), named after its route; the code exchange and the refresh are client spans of
// the provider calls beneath it, which carry the trace on to the provider; the Redis calls are
// spans too; and no attribute of any span holds the code, a token or the client secret.
func TestTracesOfAConsentAndARefresh(t *testing.T) {
	base, exp := tracedDemo(t)
	jar, _ := cookiejar.New(nil)
	caller := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0x4b, 0xf9, 1}, SpanID: trace.SpanID{0x00, 0xf0, 7}, TraceFlags: trace.FlagsSampled})
	br := &browser{t: t, parent: caller, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	auth := map[string]string{"Authorization": "Bearer " + demoManagementKey, "Content-Type": "application/json"}

	// POST /v1/connect gives a one-time link; the browser opens it and continues to the provider.
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/connect", strings.NewReader(`{"appId":"`+demoOAuthApp+`","userId":"ada"}`))
	for k, v := range auth {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var link struct{ URL string }
	_ = json.NewDecoder(resp.Body).Decode(&link)
	resp.Body.Close()
	if link.URL == "" {
		t.Fatalf("connect: %s", resp.Status)
	}
	_, page := br.read(http.MethodGet, link.URL, nil, nil)
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]*)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("the consent link's page has no form:\n%s", page)
	}
	resp = br.do(http.MethodPost, link.URL, strings.NewReader(url.Values{"_csrf": {html.UnescapeString(csrf[1])}}.Encode()), map[string]string{"Origin": base, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"})
	authorize := resp.Header.Get("Location")
	if authorize == "" {
		t.Fatalf("continue: %s, no redirect to the provider", resp.Status)
	}
	// The sandbox's consent page: approve.
	_, page = br.read(http.MethodGet, authorize, nil, nil)
	fields := url.Values{"decision": {"approve"}}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		fields.Set(m[1], html.UnescapeString(m[2]))
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)
	if action == nil {
		t.Fatalf("no consent form at the sandbox:\n%s", page)
	}
	au, _ := url.Parse(authorize)
	target, _ := au.Parse(html.UnescapeString(action[1]))
	resp = br.do(http.MethodPost, target.String(), strings.NewReader(fields.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": base})
	callback := resp.Header.Get("Location")
	cu, err := url.Parse(callback)
	if err != nil || cu.Query().Get("code") == "" {
		t.Fatalf("the sandbox did not send the browser back with a code: %s %q", resp.Status, callback)
	}
	code := cu.Query().Get("code")
	resp = br.do(http.MethodGet, callback, nil, nil)
	if resp.StatusCode >= 400 {
		t.Fatalf("callback: %s", resp.Status)
	}

	// A forced refresh through the REST API.
	resp = br.do(http.MethodPost, base+"/v1/tokens/fetch", strings.NewReader(`{"appId":"`+demoOAuthApp+`","userId":"ada","forceRefresh":true,"withRefreshToken":true}`), auth)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("fetch: %s", resp.Status)
	}

	// A flow started over REST: its transition and steps.
	resp = br.do(http.MethodPost, base+"/v1/flows/choose-plan/start", strings.NewReader(`{"userId":"ada"}`), auth)
	if resp.StatusCode >= 300 {
		t.Fatalf("start: %s", resp.Status)
	}

	spans := exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
	}
	// root walks up to the span whose parent is not one of ours: the caller's.
	root := func(s tracetest.SpanStub) tracetest.SpanStub {
		for {
			p, ok := byID[s.Parent.SpanID()]
			if !ok {
				return s
			}
			s = p
		}
	}
	find := func(name string) []tracetest.SpanStub {
		var out []tracetest.SpanStub
		for _, s := range spans {
			if s.Name == name {
				out = append(out, s)
			}
		}
		return out
	}
	for _, c := range []struct{ client, server string }{
		{"oauth.exchange", "GET /v1/oauth/callback/{appId}"},
		{"oauth.refresh", "POST /v1/tokens/fetch"},
	} {
		calls := find(c.client)
		if len(calls) != 1 {
			t.Fatalf("%d %s spans; want 1 (spans: %v)", len(calls), c.client, names(spans))
		}
		call := calls[0]
		if call.SpanKind != trace.SpanKindClient || call.SpanContext.TraceID() != caller.TraceID() {
			t.Errorf("%s: kind %v, trace %s; want a client span in the caller's trace", c.client, call.SpanKind, call.SpanContext.TraceID())
		}
		top := root(call)
		if top.Name != c.server || top.SpanKind != trace.SpanKindServer || top.Parent.SpanID() != caller.SpanID() {
			t.Errorf("%s: its root span is %q (kind %v, parent %s); want the server span %q under the caller's span", c.client, top.Name, top.SpanKind, top.Parent.SpanID(), c.server)
		}
		if attr(call, "server.address") == "" || attr(call, "http.response.status_code") != "200" {
			t.Errorf("%s attributes: %v", c.client, call.Attributes)
		}
	}
	transitions := find("flow.transition")
	if len(transitions) != 1 || root(transitions[0]).Name != "POST /v1/flows/{flowId}/start" ||
		attr(transitions[0], "outflow.flow.id") != "choose-plan" || attr(transitions[0], "outflow.execution.status") == "" {
		t.Fatalf("flow.transition spans: %v", transitions)
	}
	steps := 0
	for _, s := range spans {
		if s.Parent.SpanID() == transitions[0].SpanContext.SpanID() && strings.HasPrefix(s.Name, "flow.step ") {
			steps++
			if attr(s, "outflow.step.kind") == "" || attr(s, "outflow.step.outcome") == "" {
				t.Errorf("step span %q: %v", s.Name, s.Attributes)
			}
		}
	}
	if steps == 0 {
		t.Errorf("the transition has no step spans (spans: %v)", names(spans))
	}
	redisUnderFetch := 0
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindClient && attr(s, "db.system") == "redis" && root(s).Name == "POST /v1/tokens/fetch" {
			redisUnderFetch++
		}
	}
	if redisUnderFetch == 0 {
		t.Errorf("no Redis span under the fetch (spans: %v)", names(spans))
	}

	// No attribute, name or status of any span holds a secret.
	tok := fetchToken(t, base)
	secrets := []string{code, tok.AccessToken, tok.RefreshToken}
	for _, s := range spans {
		texts := []string{s.Name, s.Status.Description}
		for _, a := range s.Attributes {
			texts = append(texts, a.Value.Emit())
		}
		for _, e := range s.Events {
			for _, a := range e.Attributes {
				texts = append(texts, a.Value.Emit())
			}
		}
		for _, text := range texts {
			for _, secret := range secrets {
				if secret != "" && strings.Contains(text, secret) {
					t.Errorf("span %q holds a secret in %q", s.Name, text)
				}
			}
		}
	}
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// fetchToken fetches ada's current tokens (after the spans were read, so its own spans are not
// checked against themselves).
func fetchToken(t *testing.T, base string) (tok struct{ AccessToken, RefreshToken string }) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/tokens/fetch", strings.NewReader(`{"appId":"`+demoOAuthApp+`","userId":"ada","withRefreshToken":true}`))
	req.Header.Set("Authorization", "Bearer "+demoManagementKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token struct{ AccessToken, RefreshToken string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token.AccessToken == "" {
		t.Fatalf("fetch: %s %v", resp.Status, err)
	}
	return body.Token
}

// Tracing is off unless the standard variables turn it on, and a setting outflow cannot honour
// is refused at start rather than ignored.
func TestTracingFollowsTheStandardVariables(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		on      bool
		problem string
	}{
		{env: nil},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, on: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, on: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, on: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}},
		{env: map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, problem: "otlp only"},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, problem: "http/json"},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, on: true},
	} {
		env := Env{Getenv: func(k string) string { return c.env[k] }}
		tp, shutdown, err := openTracing(context.Background(), env)
		switch {
		case c.problem != "":
			if err == nil || !strings.Contains(err.Error(), c.problem) {
				t.Errorf("%v: error %v; want one saying %q", c.env, err, c.problem)
			}
		case err != nil:
			t.Errorf("%v: %v", c.env, err)
		case (tp != nil) != c.on:
			t.Errorf("%v: tracing on = %v, want %v", c.env, tp != nil, c.on)
		}
		if shutdown != nil {
			_ = shutdown(context.Background())
		}
	}
}
