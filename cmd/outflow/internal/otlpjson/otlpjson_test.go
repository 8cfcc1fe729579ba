package otlpjson

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// collector is an OTLP/HTTP receiver that reads each request with the official protobuf types'
// JSON reader, refusing unknown fields, as a collector does. It reads into TracesData, which has
// the one field of the collector's ExportTraceServiceRequest (resourceSpans) under the same
// number and name: the collector's own package would bring gRPC into this test for its service
// stubs.
type collector struct {
	mu       sync.Mutex
	requests []*tracepb.TracesData
	headers  []http.Header
	status   int
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	data, _ := io.ReadAll(body)
	req := &tracepb.TracesData{}
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "not an OTLP/JSON traces request", 415)
		return
	}
	// OTLP/JSON differs from protobuf's JSON mapping in one thing: ids are hex, not base64.
	data, err := hexIDsToBase64(data)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	if err := protojson.Unmarshal(data, req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests = append(c.requests, req)
	c.headers = append(c.headers, r.Header.Clone())
	if c.status != 0 {
		w.WriteHeader(c.status)
		return
	}
	_, _ = w.Write([]byte("{}"))
}

// hexIDsToBase64 rewrites the trace and span ids of an OTLP/JSON body in protobuf's JSON
// mapping, so the protobuf types can read the rest strictly.
func hexIDsToBase64(data []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	var walk func(any) error
	walk = func(v any) error {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && (k == "traceId" || k == "spanId" || k == "parentSpanId") {
					b, err := hex.DecodeString(s)
					if err != nil {
						return fmt.Errorf("%s %q is not hex", k, s)
					}
					t[k] = base64.StdEncoding.EncodeToString(b)
					continue
				}
				if err := walk(x); err != nil {
					return err
				}
			}
		case []any:
			for _, x := range t {
				if err := walk(x); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// Spans of every shape reach a collector that reads them with the protobuf types: ids, parent,
// kind, times, typed attributes, events, links, status, scope and resource.
func TestSpansReachACollectorIntact(t *testing.T) {
	col := &collector{}
	srv := httptest.NewServer(col)
	defer srv.Close()
	cfg, err := FromEnv(env{
		"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL + "/", "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=k%201,tenant=acme",
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "outflow"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(New(cfg)), sdktrace.WithResource(res))
	tracer := tp.Tracer("github.com/outflowhq/outflow", trace.WithInstrumentationVersion("1.2.3"))
	ctx, parent := tracer.Start(context.Background(), "POST /v1/tokens/fetch", trace.WithSpanKind(trace.SpanKindServer))
	linked := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{9}, SpanID: trace.SpanID{8}})
	_, child := tracer.Start(ctx, "oauth.refresh", trace.WithSpanKind(trace.SpanKindClient), trace.WithLinks(trace.Link{SpanContext: linked}),
		trace.WithAttributes(attribute.String("server.address", "sandbox"), attribute.Int("server.port", 443), attribute.Bool("retry", false),
			attribute.Float64("ratio", 0.5), attribute.StringSlice("scopes", []string{"a", "b"}), attribute.Int64Slice("codes", []int64{1, 2})))
	child.AddEvent("retried", trace.WithAttributes(attribute.Int("attempt", 2)))
	child.SetStatus(codes.Error, "invalid_grant")
	child.End()
	parent.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	if len(col.requests) != 2 {
		t.Fatalf("%d requests; want one per span (a syncer exports each as it ends)", len(col.requests))
	}
	if h := col.headers[0]; h.Get("X-Api-Key") != "k 1" || h.Get("Tenant") != "acme" {
		t.Errorf("headers %v", h)
	}
	rs := col.requests[0].ResourceSpans
	if len(rs) != 1 || len(rs[0].ScopeSpans) != 1 || len(rs[0].ScopeSpans[0].Spans) != 1 {
		t.Fatalf("request %v", col.requests[0])
	}
	if a := rs[0].Resource.Attributes; len(a) != 1 || a[0].Key != "service.name" || a[0].Value.GetStringValue() != "outflow" {
		t.Errorf("resource %v", a)
	}
	if sc := rs[0].ScopeSpans[0].Scope; sc.Name != "github.com/outflowhq/outflow" || sc.Version != "1.2.3" {
		t.Errorf("scope %v", sc)
	}
	got := rs[0].ScopeSpans[0].Spans[0]
	want := child.SpanContext()
	traceID, spanID, parentID := want.TraceID(), want.SpanID(), parent.SpanContext().SpanID()
	if !bytes.Equal(got.TraceId, traceID[:]) || !bytes.Equal(got.SpanId, spanID[:]) || !bytes.Equal(got.ParentSpanId, parentID[:]) {
		t.Errorf("ids %x %x %x", got.TraceId, got.SpanId, got.ParentSpanId)
	}
	if got.Name != "oauth.refresh" || got.Kind != tracepb.Span_SPAN_KIND_CLIENT || got.EndTimeUnixNano < got.StartTimeUnixNano ||
		time.Since(time.Unix(0, int64(got.StartTimeUnixNano))) > time.Minute {
		t.Errorf("span %v", got)
	}
	attrs := map[string]string{}
	for _, a := range got.Attributes {
		attrs[a.Key] = a.Value.String()
	}
	for k, v := range map[string]string{"server.address": `string_value:"sandbox"`, "server.port": "int_value:443", "retry": "bool_value:false",
		"ratio": "double_value:0.5", "scopes": `array_value:{values:{string_value:"a"} values:{string_value:"b"}}`,
		"codes": "array_value:{values:{int_value:1} values:{int_value:2}}"} {
		if strings.Join(strings.Fields(attrs[k]), " ") != v {
			t.Errorf("attribute %s = %s; want %s", k, attrs[k], v)
		}
	}
	if len(got.Events) != 1 || got.Events[0].Name != "retried" || got.Events[0].Attributes[0].Value.GetIntValue() != 2 {
		t.Errorf("events %v", got.Events)
	}
	if len(got.Links) != 1 || got.Links[0].TraceId[0] != 9 {
		t.Errorf("links %v", got.Links)
	}
	if got.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || got.Status.GetMessage() != "invalid_grant" {
		t.Errorf("status %v", got.Status)
	}
	server := col.requests[1].ResourceSpans[0].ScopeSpans[0].Spans[0]
	if server.Kind != tracepb.Span_SPAN_KIND_SERVER || len(server.ParentSpanId) != 0 {
		t.Errorf("the server span: %v", server)
	}
}

// A collector that refuses the spans is an error naming its status.
func TestARefusalIsAnError(t *testing.T) {
	col := &collector{status: http.StatusServiceUnavailable}
	srv := httptest.NewServer(col)
	defer srv.Close()
	exp := New(Config{URL: srv.URL + "/v1/traces"})
	tp := sdktrace.NewTracerProvider()
	_, s := tp.Tracer("t").Start(context.Background(), "x")
	s.End()
	err := exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{s.(sdktrace.ReadOnlySpan)})
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("export to a refusing collector: %v", err)
	}
	var nothing []sdktrace.ReadOnlySpan
	if err := exp.ExportSpans(context.Background(), nothing); err != nil {
		t.Errorf("no spans: %v", err)
	}
}

func TestFromEnv(t *testing.T) {
	for _, c := range []struct {
		env     env
		url     string
		problem string
	}{
		{env: env{}, url: "http://localhost:4318/v1/traces"},
		{env: env{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com:4318"}, url: "https://otel.example.com:4318/v1/traces"},
		{env: env{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://a.example", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://b.example/custom"}, url: "https://b.example/custom"},
		{env: env{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, problem: "http/json"},
		{env: env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "localhost:4318"}, problem: "not an http(s) URL"},
		{env: env{"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, problem: "key=value"},
		{env: env{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, problem: "milliseconds"},
		{env: env{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, problem: "gzip or none"},
	} {
		cfg, err := FromEnv(c.env.get)
		switch {
		case c.problem != "":
			if err == nil || !strings.Contains(err.Error(), c.problem) {
				t.Errorf("%v: %v; want an error saying %q", c.env, err, c.problem)
			}
		case err != nil:
			t.Errorf("%v: %v", c.env, err)
		case cfg.URL != c.url:
			t.Errorf("%v: URL %q, want %q", c.env, cfg.URL, c.url)
		}
	}
	if _, err := FromEnv(env{"OTEL_EXPORTER_OTLP_TIMEOUT": "-5"}.get); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("a negative timeout: %v", err)
	}
}

type env map[string]string

func (e env) get(k string) string { return e[k] }
