package server

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
)

// Metrics counts and times what Outflow does, in an isolated metrics set of its own (never the
// process-wide default), served by the Server at GET /metrics. It is an engine.Observer and an
// oauth.Observer and a proxy.Observer: pass it to engine.Options.Observer,
// oauth.VaultOptions.Observer and proxy.Options.Observer.
// Labels are flow ids, app ids of stored apps (or oauth.UnknownApp), step kinds, outcomes,
// status codes and route patterns: never a user, a path with ids in it, a secret, or any value
// a request made up (such a value would add a series per request).
type Metrics struct {
	flowsStarted  *family[*metrics.Counter]
	flowsFinished *family[*metrics.Counter]
	steps         *family[*metrics.Counter]
	stepSeconds   *family[*metrics.PrometheusHistogram]
	consents      *family[*metrics.Counter]
	callbacks     *family[*metrics.Counter]
	callbackSecs  *family[*metrics.PrometheusHistogram]
	fetches       *family[*metrics.Counter]
	fetchSeconds  *family[*metrics.PrometheusHistogram]
	refreshes     *family[*metrics.Counter]
	refreshSecs   *family[*metrics.PrometheusHistogram]
	requests      *family[*metrics.Counter]
	requestSecs   *family[*metrics.PrometheusHistogram]
	proxied       *family[*metrics.Counter]
	proxiedSecs   *family[*metrics.PrometheusHistogram]
	proxyRefresh  *family[*metrics.Counter]
	proxyWaits    *family[*metrics.Counter]
	proxyWaitSecs *family[*metrics.FloatCounter]

	families []writer // sorted by name
}

var (
	_ engine.Observer = (*Metrics)(nil)
	_ oauth.Observer  = (*Metrics)(nil)
	_ proxy.Observer  = (*Metrics)(nil)
)

// NewMetrics returns a Metrics with its own metrics; its Handler also serves the Go runtime and
// process metrics.
func NewMetrics() *Metrics {
	fast := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
	remote := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m := &Metrics{}
	counter := func(name, help string, labels ...string) *family[*metrics.Counter] {
		f := newFamily(name, help, "counter", labels, (*metrics.Set).GetOrCreateCounter)
		m.families = append(m.families, f)
		return f
	}
	floatCounter := func(name, help string, labels ...string) *family[*metrics.FloatCounter] {
		f := newFamily(name, help, "counter", labels, (*metrics.Set).GetOrCreateFloatCounter)
		m.families = append(m.families, f)
		return f
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *family[*metrics.PrometheusHistogram] {
		f := newFamily(name, help, "histogram", labels, func(s *metrics.Set, series string) *metrics.PrometheusHistogram {
			return s.GetOrCreatePrometheusHistogramExt(series, buckets)
		})
		m.families = append(m.families, f)
		return f
	}
	m.flowsStarted = counter("flows_started_total", "Executions started, by flow.", "flow")
	m.flowsFinished = counter("flows_finished_total", "Executions that completed or failed, by flow and status.", "flow", "status")
	m.steps = counter("steps_total", "Runs of step actions, by step kind and result (completed, paused, retried, failed).", "kind", "result")
	m.stepSeconds = histogram("step_duration_seconds", "How long step actions ran, by step kind.", remote, "kind")
	m.consents = counter("connect_started_total", "OAuth consents started, by app.", "app")
	m.callbacks = counter("connect_callbacks_total", "OAuth callbacks, by app and outcome (connected, denied, error, refused).", "app", "outcome")
	m.callbackSecs = histogram("connect_callback_duration_seconds", "How long OAuth callbacks took, code exchange included, by app.", remote, "app")
	m.fetches = counter("token_fetches_total", "Token fetches, by app and result.", "app", "result")
	m.fetchSeconds = histogram("token_fetch_duration_seconds", "How long token fetches took, refreshes included, by app.", fast, "app")
	m.refreshes = counter("token_refreshes_total", "Token refreshes at the provider, by app and result (ok, refused, failed).", "app", "result")
	m.refreshSecs = histogram("token_refresh_duration_seconds", "How long the provider took to refresh a token, by app.", remote, "app")
	m.requests = counter("http_requests_total", "HTTP requests, by method, route pattern and status code.", "method", "route", "code")
	m.requestSecs = histogram("http_request_duration_seconds", "HTTP request latency, by method and route pattern.", fast, "method", "route")
	m.proxied = counter("proxy_requests_total", "Requests sent to apps' APIs with a connection's credential, by app and status class (2xx..5xx, error, refused).", "app", "class")
	m.proxiedSecs = histogram("proxy_request_duration_seconds", "How long apps' APIs took to answer proxied requests (headers), retries included, by app.", remote, "app")
	m.proxyRefresh = counter("proxy_refreshes_total", "Token refreshes a 401 from an app's API caused, by app.", "app")
	m.proxyWaits = counter("proxy_rate_limit_waits_total", "Proxied requests that waited for an API's Retry-After, by app.", "app")
	m.proxyWaitSecs = floatCounter("proxy_rate_limit_wait_seconds_total", "Time proxied requests spent waiting for an API's Retry-After, by app.", "app")
	sort.Slice(m.families, func(i, j int) bool { return m.families[i].familyName() < m.families[j].familyName() })
	return m
}

// ExecutionStarted implements engine.Observer.
func (m *Metrics) ExecutionStarted(flowID string) { m.flowsStarted.with(flowID, "", "").Inc() }

// StepFinished implements engine.Observer.
func (m *Metrics) StepFinished(_, kind, result string, d time.Duration) {
	m.steps.with(kind, result, "").Inc()
	m.stepSeconds.with(kind, "", "").Update(d.Seconds())
}

// ExecutionFinished implements engine.Observer.
func (m *Metrics) ExecutionFinished(flowID string, status engine.Status) {
	m.flowsFinished.with(flowID, string(status), "").Inc()
}

// ConsentStarted implements oauth.Observer.
func (m *Metrics) ConsentStarted(appID string) { m.consents.with(appID, "", "").Inc() }

// CallbackHandled implements oauth.Observer.
func (m *Metrics) CallbackHandled(appID, outcome string, d time.Duration) {
	m.callbacks.with(appID, outcome, "").Inc()
	m.callbackSecs.with(appID, "", "").Update(d.Seconds())
}

// TokenFetched implements oauth.Observer.
func (m *Metrics) TokenFetched(appID, result string, d time.Duration) {
	m.fetches.with(appID, result, "").Inc()
	m.fetchSeconds.with(appID, "", "").Update(d.Seconds())
}

// TokenRefreshed implements oauth.Observer.
func (m *Metrics) TokenRefreshed(appID, result string, d time.Duration) {
	m.refreshes.with(appID, result, "").Inc()
	m.refreshSecs.with(appID, "", "").Update(d.Seconds())
}

// ProxyRequest implements proxy.Observer.
func (m *Metrics) ProxyRequest(appID, class string, d time.Duration) {
	m.proxied.with(appID, class, "").Inc()
	m.proxiedSecs.with(appID, "", "").Update(d.Seconds())
}

// ProxyRefreshed implements proxy.Observer.
func (m *Metrics) ProxyRefreshed(appID string) { m.proxyRefresh.with(appID, "", "").Inc() }

// ProxyWaited implements proxy.Observer.
func (m *Metrics) ProxyWaited(appID string, d time.Duration) {
	m.proxyWaits.with(appID, "", "").Inc()
	m.proxyWaitSecs.with(appID, "", "").Add(d.Seconds())
}

func (m *Metrics) request(method, route string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	m.requests.with(method, route, statusCode(status)).Inc()
	m.requestSecs.with(method, route, "").Update(d.Seconds())
}

// statusCodes holds the decimal strings of the status codes 100 to 599, so that counting a
// request does not format one.
var statusCodes = func() (codes [500]string) {
	for i := range codes {
		codes[i] = strconv.Itoa(100 + i)
	}
	return codes
}()

func statusCode(status int) string {
	if status >= 100 && status < 600 {
		return statusCodes[status-100]
	}
	return strconv.Itoa(status)
}

// Handler serves the metrics in the Prometheus text format, for hosts that expose them on
// another listener.
func (m *Metrics) Handler() http.Handler { return http.HandlerFunc(m.serve) }

func (m *Metrics) serve(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	for _, f := range m.families {
		f.writeTo(&b)
	}
	metrics.WriteProcessMetrics(&b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if !acceptsGzip(r) {
		_, _ = w.Write(b.Bytes())
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Add("Vary", "Accept-Encoding")
	z := gzip.NewWriter(w)
	_, _ = z.Write(b.Bytes())
	_ = z.Close()
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		part = strings.TrimSpace(part)
		if part == "gzip" || strings.HasPrefix(part, "gzip;") {
			return true
		}
	}
	return false
}

// writer is a metric family as the handler writes it.
type writer interface {
	familyName() string
	writeTo(b *bytes.Buffer)
}

// family is one metric family (a name, its help and type, its label names) with a series per
// tuple of label values, in a metrics set of its own. It keeps the series it made by their
// label values, so that counting a tuple it saw before looks up a map and builds no name.
type family[T any] struct {
	name, help, typ string
	labels          []string // in the order with takes their values
	order           []int    // indexes into labels, by label name: the order of the exposition
	set             *metrics.Set
	create          func(s *metrics.Set, series string) T

	mu     sync.RWMutex
	series map[[3]string]T
}

func newFamily[T any](name, help, typ string, labels []string, create func(*metrics.Set, string) T) *family[T] {
	if len(labels) > 3 {
		panic("server: a metric family has at most 3 labels")
	}
	f := &family[T]{name: "outflow_" + name, help: help, typ: typ, labels: labels, set: metrics.NewSet(),
		create: create, series: map[[3]string]T{}}
	for i := range labels {
		f.order = append(f.order, i)
	}
	sort.Slice(f.order, func(i, j int) bool { return labels[f.order[i]] < labels[f.order[j]] })
	return f
}

// with returns the series of the label values a, b and c, in the order of the family's labels;
// a family with fewer labels ignores the rest (pass "").
func (f *family[T]) with(a, b, c string) T {
	key := [3]string{a, b, c}
	f.mu.RLock()
	s, ok := f.series[key]
	f.mu.RUnlock()
	if ok {
		return s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.series[key]; ok {
		return s
	}
	var name strings.Builder
	name.WriteString(f.name)
	if len(f.labels) > 0 {
		name.WriteByte('{')
		for n, i := range f.order {
			if n > 0 {
				name.WriteByte(',')
			}
			name.WriteString(f.labels[i])
			name.WriteString(`="`)
			name.WriteString(escapeLabelValue(key[i]))
			name.WriteByte('"')
		}
		name.WriteByte('}')
	}
	s = f.create(f.set, name.String())
	f.series[key] = s
	return s
}

func (f *family[T]) familyName() string { return f.name }

// writeTo writes the family's HELP and TYPE lines and its series, or nothing when it has no
// series yet.
func (f *family[T]) writeTo(b *bytes.Buffer) {
	f.mu.RLock()
	n := len(f.series)
	f.mu.RUnlock()
	if n == 0 {
		return
	}
	b.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
	b.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
	// The set writes HELP and TYPE lines of its own (without the help text) when a host turned
	// them on process-wide with metrics.ExposeMetadata: leave them out, a family has one of each.
	var series bytes.Buffer
	f.set.WritePrometheus(&series)
	for line := range bytes.Lines(series.Bytes()) {
		if !bytes.HasPrefix(line, []byte("#")) {
			b.Write(line)
		}
	}
}

// escapeLabelValue escapes a label value for the Prometheus text format: a backslash, a double
// quote and a line feed.
var escapeLabelValue = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace

// escapeHelp escapes a HELP text for the Prometheus text format: a backslash and a line feed.
var escapeHelp = strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace
