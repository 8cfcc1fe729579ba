package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/internal/tracing"
)

// observe wraps the router: it recovers from panics, counts and times every request for the
// metrics, and writes one access log line per request.
//
// The line has the method, the route pattern, the path, the status, the bytes written and the
// duration. It never has the query string (OAuth callbacks carry codes and states in it), a
// body, a header (Authorization, cookies) or the token of a one-time link.
//
// A handler that panics with http.ErrAbortHandler means to abort the response: the panic goes on
// to net/http, which drops the connection.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		var span trace.Span
		if s.tracer != nil {
			// The router sets the pattern on the request it is given: r is that request from
			// here on, so the deferred log and the span see it.
			var ctx context.Context
			ctx, span = s.tracer.Start(tracing.Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header)),
				"HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindServer))
			r = r.WithContext(ctx)
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "handler panicked", "method", r.Method, "path", s.logPath(r), "panic", v)
				if rec.status == 0 {
					writeJSON(rec, http.StatusInternalServerError, errorBody{Error: apiError{Code: "internal", Message: "internal error"}})
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			if span != nil {
				s.endSpan(span, r, route, status)
			}
			s.metrics.request(r.Method, route, status, d)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			s.log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.String("path", s.logPath(r)),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", d),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// logPath is the request path for the log: no query, and no credential. For a clean path that
// a route matches, the segments its pattern names {token} (one-time links) are "…"; a request
// with a method the path has no route for uses the pattern of a method it has. Any other path
// (no route, a path the router would clean and redirect, encoded slashes, a link with segments
// added after its token, a server mounted under a base path) is cut after the first segment that
// precedes a token in a route ("link" of /flows/link/{token}), wherever it sits: a mistyped or
// mangled link must not log its token either.
func (s *Server) logPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	pattern := r.Pattern
	if pattern == "" || pattern == catchAll {
		pattern = ""
		for _, m := range routeMethods {
			if pattern = s.patternFor(r, m); pattern != "" {
				break
			}
		}
	}
	if pattern != "" && cleanPath(p) {
		p = redactTokens(pattern, p)
	} else {
		p = s.cutAfterTokenMarker(p)
	}
	if len(p) > 512 {
		p = p[:512] + "…"
	}
	return p
}

// cleanPath reports whether an escaped path is exactly what the router matches: nothing
// encoded, no backslash, and no empty, "." or ".." segment.
func cleanPath(p string) bool {
	return !strings.ContainsAny(p, "%\\") && (p == path.Clean(p) || p == path.Clean(p)+"/")
}

// tokenMarkers are the segments that precede a {token} segment in patterns: "link" of
// "GET /flows/link/{token}", "start" of "GET /v1/oauth/start/{token}".
func tokenMarkers(patterns []string) []string {
	var out []string
	for _, pattern := range patterns {
		before, _, ok := strings.Cut(pattern, "/{token")
		if !ok {
			continue
		}
		marker := lowerASCII(before[strings.LastIndex(before, "/")+1:])
		if !slices.Contains(out, marker) {
			out = append(out, marker)
		}
	}
	return out
}

// cutAfterTokenMarker cuts an escaped path after the first segment that is a token marker,
// once unescaped, with "\" taken as "/" and case aside, when anything follows it:
// "/outflow/flows//link/TOKEN/x" logs as "/outflow/flows/link/…". A path without one is
// returned as it is.
func (s *Server) cutAfterTokenMarker(escaped string) string {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		p = escaped
	}
	segs := strings.Split(strings.ReplaceAll(p, "\\", "/"), "/")
	for i, seg := range segs[:len(segs)-1] {
		if slices.Contains(s.tokenMarkers, lowerASCII(seg)) {
			u := url.URL{Path: strings.Join(segs[:i+1], "/")}
			return u.EscapedPath() + "/…"
		}
	}
	return escaped
}

// lowerASCII lower-cases the ASCII letters of s.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// redactTokens replaces the segments of path that pattern ("POST /v1/oauth/start/{token}")
// names {token} or {token...} with "…".
func redactTokens(pattern, path string) string {
	if _, rest, ok := strings.Cut(pattern, " "); ok {
		pattern = rest
	}
	if i := strings.Index(pattern, "/"); i > 0 {
		pattern = pattern[i:] // a host in the pattern
	}
	want := strings.Split(pattern, "/")
	got := strings.Split(path, "/")
	for i, seg := range want {
		if i >= len(got) {
			break
		}
		switch seg {
		case "{token}":
			got[i] = "…"
		case "{token...}":
			return strings.Join(append(got[:i], "…"), "/")
		}
	}
	return strings.Join(got, "/")
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// endSpan names a request's span after its route and sets what the access log writes of it.
func (s *Server) endSpan(span trace.Span, r *http.Request, route string, status int) {
	if r.Pattern != "" {
		span.SetName(route)
	}
	span.SetAttributes(
		attribute.String("http.request.method", r.Method),
		attribute.String("http.route", route),
		attribute.String("url.path", s.logPath(r)),
		attribute.Int("http.response.status_code", status),
	)
	if status >= 500 {
		span.SetStatus(codes.Error, "")
	}
	span.End()
}
