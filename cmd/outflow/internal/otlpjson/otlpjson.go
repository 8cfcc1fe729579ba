// Package otlpjson exports OpenTelemetry spans by OTLP over HTTP in its JSON encoding
// (protocol http/json, POST <endpoint>/v1/traces), as an sdktrace.SpanExporter.
//
// The OTLP exporters of opentelemetry-go bring in gRPC and the protobuf types of the whole
// collector API even to speak HTTP; this one needs only the standard library, which keeps the
// outflow binary quick to build. Collectors accept JSON on the same endpoint as protobuf.
package otlpjson

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Config is where and how spans are sent.
type Config struct {
	// URL receives the spans (e.g. http://localhost:4318/v1/traces).
	URL     string
	Headers map[string]string
	Timeout time.Duration
	Gzip    bool
	// Client sends the requests; nil means a client with no other settings.
	Client *http.Client
}

// FromEnv reads the standard OTLP exporter variables through getenv: the traces endpoint (or the
// general endpoint with /v1/traces added; default http://localhost:4318/v1/traces), headers
// (k=v pairs, values URL-encoded), timeout in milliseconds (default 10000) and compression (gzip
// or none), each with its OTEL_EXPORTER_OTLP_TRACES_ form first. The protocol must be http/json
// when it is set.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(name string) (string, string) {
		for _, n := range []string{"OTEL_EXPORTER_OTLP_TRACES_" + name, "OTEL_EXPORTER_OTLP_" + name} {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return n, v
			}
		}
		return "", ""
	}
	c := Config{URL: "http://localhost:4318/v1/traces", Timeout: 10 * time.Second, Headers: map[string]string{}}
	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")); v != "" {
		c.URL = v
	} else if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")); v != "" {
		c.URL = strings.TrimRight(v, "/") + "/v1/traces"
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("the OTLP traces endpoint %q is not an http(s) URL", c.URL)
	}
	if name, v := get("PROTOCOL"); v != "" && v != "http/json" {
		return Config{}, fmt.Errorf("%s=%q: outflow sends OTLP as http/json", name, v)
	}
	if name, v := get("HEADERS"); v != "" {
		for pair := range strings.SplitSeq(v, ",") {
			k, val, ok := strings.Cut(pair, "=")
			key, err1 := url.PathUnescape(strings.TrimSpace(k))
			value, err2 := url.PathUnescape(strings.TrimSpace(val))
			if !ok || key == "" || err1 != nil || err2 != nil {
				return Config{}, fmt.Errorf("%s: each header is key=value, values URL-encoded", name)
			}
			c.Headers[key] = value
		}
	}
	if name, v := get("TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return Config{}, fmt.Errorf("%s=%q: a positive number of milliseconds", name, v)
		}
		c.Timeout = time.Duration(ms) * time.Millisecond
	}
	switch name, v := get("COMPRESSION"); v {
	case "", "none":
	case "gzip":
		c.Gzip = true
	default:
		return Config{}, fmt.Errorf("%s=%q: gzip or none", name, v)
	}
	return c, nil
}

// Exporter sends batches of spans as OTLP JSON. It is safe for concurrent use.
type Exporter struct {
	c Config
}

// New returns an Exporter for c.
func New(c Config) *Exporter {
	if c.Client == nil {
		c.Client = &http.Client{}
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	return &Exporter{c: c}
}

// ExportSpans sends spans in one request. An answer other than 2xx is an error naming its
// status.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	body, err := json.Marshal(Request(spans))
	if err != nil {
		return fmt.Errorf("otlp: encode spans: %w", err)
	}
	if e.c.Gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
	}
	ctx, cancel := context.WithTimeout(ctx, e.c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.c.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	for k, v := range e.c.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	if e.c.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := e.c.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("otlp: send spans: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("otlp: the collector answered %s", resp.Status)
	}
	return nil
}

// Shutdown has nothing to release: every export is a request of its own.
func (e *Exporter) Shutdown(context.Context) error { return nil }

// The OTLP JSON encoding: protobuf's JSON mapping with field names in lowerCamelCase, enums as
// numbers, 64-bit integers as decimal strings, and trace and span ids in hex.
type (
	exportRequest struct {
		ResourceSpans []resourceSpans `json:"resourceSpans"`
	}
	resourceSpans struct {
		Resource   resourceJSON `json:"resource"`
		ScopeSpans []scopeSpans `json:"scopeSpans"`
		SchemaURL  string       `json:"schemaUrl,omitempty"`
	}
	resourceJSON struct {
		Attributes []keyValue `json:"attributes"`
	}
	scopeSpans struct {
		Scope     scopeJSON  `json:"scope"`
		Spans     []spanJSON `json:"spans"`
		SchemaURL string     `json:"schemaUrl,omitempty"`
	}
	scopeJSON struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	spanJSON struct {
		TraceID                string      `json:"traceId"`
		SpanID                 string      `json:"spanId"`
		TraceState             string      `json:"traceState,omitempty"`
		ParentSpanID           string      `json:"parentSpanId,omitempty"`
		Flags                  uint32      `json:"flags,omitempty"`
		Name                   string      `json:"name"`
		Kind                   int         `json:"kind"`
		StartTimeUnixNano      string      `json:"startTimeUnixNano"`
		EndTimeUnixNano        string      `json:"endTimeUnixNano"`
		Attributes             []keyValue  `json:"attributes,omitempty"`
		DroppedAttributesCount int         `json:"droppedAttributesCount,omitempty"`
		Events                 []eventJSON `json:"events,omitempty"`
		Links                  []linkJSON  `json:"links,omitempty"`
		Status                 *statusJSON `json:"status,omitempty"`
	}
	eventJSON struct {
		TimeUnixNano string     `json:"timeUnixNano"`
		Name         string     `json:"name"`
		Attributes   []keyValue `json:"attributes,omitempty"`
	}
	linkJSON struct {
		TraceID    string     `json:"traceId"`
		SpanID     string     `json:"spanId"`
		TraceState string     `json:"traceState,omitempty"`
		Attributes []keyValue `json:"attributes,omitempty"`
	}
	statusJSON struct {
		Message string `json:"message,omitempty"`
		Code    int    `json:"code,omitempty"`
	}
	keyValue struct {
		Key   string   `json:"key"`
		Value anyValue `json:"value"`
	}
	anyValue struct {
		StringValue *string     `json:"stringValue,omitempty"`
		BoolValue   *bool       `json:"boolValue,omitempty"`
		IntValue    *string     `json:"intValue,omitempty"`
		DoubleValue *float64    `json:"doubleValue,omitempty"`
		ArrayValue  *arrayValue `json:"arrayValue,omitempty"`
	}
	arrayValue struct {
		Values []anyValue `json:"values"`
	}
)

// Request is the OTLP ExportTraceServiceRequest of spans, grouped by resource and scope, as
// JSON-ready values.
func Request(spans []sdktrace.ReadOnlySpan) any {
	var out exportRequest
	resIndex := map[string]int{}
	scopeIndex := map[string]int{}
	for _, s := range spans {
		res := s.Resource()
		resKey := ""
		var resAttrs []attribute.KeyValue
		schema := ""
		if res != nil {
			resKey, resAttrs, schema = res.Encoded(attribute.DefaultEncoder()), res.Attributes(), res.SchemaURL()
		}
		ri, ok := resIndex[resKey]
		if !ok {
			ri = len(out.ResourceSpans)
			resIndex[resKey] = ri
			out.ResourceSpans = append(out.ResourceSpans, resourceSpans{Resource: resourceJSON{Attributes: keyValues(resAttrs)}, SchemaURL: schema})
		}
		sc := s.InstrumentationScope()
		sk := resKey + "\x00" + sc.Name + "\x00" + sc.Version
		si, ok := scopeIndex[sk]
		if !ok {
			si = len(out.ResourceSpans[ri].ScopeSpans)
			scopeIndex[sk] = si
			out.ResourceSpans[ri].ScopeSpans = append(out.ResourceSpans[ri].ScopeSpans,
				scopeSpans{Scope: scopeJSON{Name: sc.Name, Version: sc.Version}, SchemaURL: sc.SchemaURL})
		}
		ss := &out.ResourceSpans[ri].ScopeSpans[si]
		ss.Spans = append(ss.Spans, span(s))
	}
	return out
}

func span(s sdktrace.ReadOnlySpan) spanJSON {
	sc := s.SpanContext()
	j := spanJSON{
		TraceID: sc.TraceID().String(), SpanID: sc.SpanID().String(), TraceState: sc.TraceState().String(),
		Flags: uint32(sc.TraceFlags()), Name: s.Name(), Kind: kind(s.SpanKind()),
		StartTimeUnixNano: nanos(s.StartTime()), EndTimeUnixNano: nanos(s.EndTime()),
		Attributes: keyValues(s.Attributes()), DroppedAttributesCount: s.DroppedAttributes(),
	}
	if p := s.Parent(); p.SpanID().IsValid() {
		j.ParentSpanID = p.SpanID().String()
	}
	for _, e := range s.Events() {
		j.Events = append(j.Events, eventJSON{TimeUnixNano: nanos(e.Time), Name: e.Name, Attributes: keyValues(e.Attributes)})
	}
	for _, l := range s.Links() {
		j.Links = append(j.Links, linkJSON{TraceID: l.SpanContext.TraceID().String(), SpanID: l.SpanContext.SpanID().String(),
			TraceState: l.SpanContext.TraceState().String(), Attributes: keyValues(l.Attributes)})
	}
	switch st := s.Status(); st.Code {
	case codes.Error:
		j.Status = &statusJSON{Code: 2, Message: st.Description}
	case codes.Ok:
		j.Status = &statusJSON{Code: 1}
	}
	return j
}

// kind is the OTLP SpanKind number.
func kind(k trace.SpanKind) int {
	switch k {
	case trace.SpanKindServer:
		return 2
	case trace.SpanKindClient:
		return 3
	case trace.SpanKindProducer:
		return 4
	case trace.SpanKindConsumer:
		return 5
	}
	return 1
}

func nanos(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func keyValues(attrs []attribute.KeyValue) []keyValue {
	out := make([]keyValue, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, keyValue{Key: string(a.Key), Value: value(a.Value)})
	}
	return out
}

func value(v attribute.Value) anyValue {
	str := func(s string) anyValue { return anyValue{StringValue: &s} }
	integer := func(i int64) anyValue { s := strconv.FormatInt(i, 10); return anyValue{IntValue: &s} }
	switch v.Type() {
	case attribute.BOOL:
		b := v.AsBool()
		return anyValue{BoolValue: &b}
	case attribute.INT64:
		return integer(v.AsInt64())
	case attribute.FLOAT64:
		f := v.AsFloat64()
		return anyValue{DoubleValue: &f}
	case attribute.BOOLSLICE:
		return array(v.AsBoolSlice(), func(b bool) anyValue { return anyValue{BoolValue: &b} })
	case attribute.INT64SLICE:
		return array(v.AsInt64Slice(), integer)
	case attribute.FLOAT64SLICE:
		return array(v.AsFloat64Slice(), func(f float64) anyValue { return anyValue{DoubleValue: &f} })
	case attribute.STRINGSLICE:
		return array(v.AsStringSlice(), str)
	}
	return str(v.Emit())
}

// array is an OTLP array value holding each of xs as conv makes it.
func array[T any](xs []T, conv func(T) anyValue) anyValue {
	vals := make([]anyValue, 0, len(xs))
	for _, x := range xs {
		vals = append(vals, conv(x))
	}
	return anyValue{ArrayValue: &arrayValue{Values: vals}}
}
