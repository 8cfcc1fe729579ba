// Package tracing holds what Outflow's packages share to make OpenTelemetry spans: the tracer
// they name, the W3C trace-context propagator, and an http.RoundTripper that makes one client
// span per provider or API call.
//
// Spans never carry a value that could be a secret: no query string, no body, no header, no
// flow value. A nil TracerProvider turns tracing off at no cost: Tracer returns nil and every
// caller checks for it.
package tracing

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Scope is the instrumentation scope of Outflow's spans.
const Scope = "github.com/outflowhq/outflow"

// Propagator reads and writes W3C trace context (traceparent, tracestate).
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Tracer is tp's tracer for Outflow, or nil when tp is nil (tracing off).
func Tracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return nil
	}
	return tp.Tracer(Scope)
}

type callKey struct{}

// WithCall names the provider or API call made with ctx ("oauth.token", "apikey.probe"): the
// client span of Transport takes that name.
func WithCall(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, callKey{}, name)
}

// Transport wraps base (nil: http.DefaultTransport) so that each request is a client span, named
// after the call (WithCall) or "HTTP <method>", with the method, the server's address and port,
// the URL scheme and path and the response status, and carries the span's trace context to the
// server. With a nil tracer it returns base unchanged.
func Transport(base http.RoundTripper, tracer trace.Tracer) http.RoundTripper {
	if tracer == nil {
		return base
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, tracer: tracer}
}

type transport struct {
	base   http.RoundTripper
	tracer trace.Tracer
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	name, _ := req.Context().Value(callKey{}).(string)
	if name == "" {
		name = "HTTP " + req.Method
	}
	host, port := req.URL.Hostname(), req.URL.Port()
	switch {
	case port != "":
	case req.URL.Scheme == "https":
		port = "443"
	case req.URL.Scheme == "http":
		port = "80"
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", req.Method),
		attribute.String("server.address", host),
		attribute.String("url.scheme", req.URL.Scheme),
		attribute.String("url.path", req.URL.EscapedPath()),
	}
	if p, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int("server.port", p))
	}
	ctx, span := t.tracer.Start(req.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	defer span.End()
	// The request is the caller's: the trace context goes on a copy of its header.
	out := req.WithContext(ctx)
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	Propagator.Inject(ctx, propagation.HeaderCarrier(out.Header))
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		span.SetStatus(codes.Error, errorKind(err))
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, "")
	}
	return resp, nil
}

// errorKind names a transport error without its text, which may hold a URL with a query.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "transport error"
}
