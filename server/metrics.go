package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
)

// Metrics counts and times what Outflow does, in a Prometheus registry of its own (never the
// global default), served by the Server at GET /metrics. It is an engine.Observer and an
// oauth.Observer and a proxy.Observer: pass it to engine.Options.Observer,
// oauth.VaultOptions.Observer and proxy.Options.Observer.
// Labels are flow ids, app ids of stored apps (or oauth.UnknownApp), step kinds, outcomes,
// status codes and route patterns: never a user, a path with ids in it, a secret, or any value
// a request made up (such a value would add a series per request).
type Metrics struct {
	reg *prometheus.Registry

	flowsStarted  *prometheus.CounterVec
	flowsFinished *prometheus.CounterVec
	steps         *prometheus.CounterVec
	stepSeconds   *prometheus.HistogramVec
	consents      *prometheus.CounterVec
	callbacks     *prometheus.CounterVec
	callbackSecs  *prometheus.HistogramVec
	fetches       *prometheus.CounterVec
	fetchSeconds  *prometheus.HistogramVec
	refreshes     *prometheus.CounterVec
	refreshSecs   *prometheus.HistogramVec
	requests      *prometheus.CounterVec
	requestSecs   *prometheus.HistogramVec
	proxied       *prometheus.CounterVec
	proxiedSecs   *prometheus.HistogramVec
	proxyRefresh  *prometheus.CounterVec
	proxyWaits    *prometheus.CounterVec
	proxyWaitSecs *prometheus.CounterVec

	handler http.Handler
}

var (
	_ engine.Observer = (*Metrics)(nil)
	_ oauth.Observer  = (*Metrics)(nil)
	_ proxy.Observer  = (*Metrics)(nil)
)

// NewMetrics returns a Metrics with its own registry, which also holds the Go runtime and process
// collectors.
func NewMetrics() *Metrics {
	fast := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
	remote := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "outflow", Name: name, Help: help}, labels)
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "outflow", Name: name, Help: help, Buckets: buckets}, labels)
	}
	m := &Metrics{
		reg:           prometheus.NewRegistry(),
		flowsStarted:  counter("flows_started_total", "Executions started, by flow.", "flow"),
		flowsFinished: counter("flows_finished_total", "Executions that completed or failed, by flow and status.", "flow", "status"),
		steps:         counter("steps_total", "Runs of step actions, by step kind and result (completed, paused, retried, failed).", "kind", "result"),
		stepSeconds:   histogram("step_duration_seconds", "How long step actions ran, by step kind.", remote, "kind"),
		consents:      counter("connect_started_total", "OAuth consents started, by app.", "app"),
		callbacks:     counter("connect_callbacks_total", "OAuth callbacks, by app and outcome (connected, denied, error, refused).", "app", "outcome"),
		callbackSecs:  histogram("connect_callback_duration_seconds", "How long OAuth callbacks took, code exchange included, by app.", remote, "app"),
		fetches:       counter("token_fetches_total", "Token fetches, by app and result.", "app", "result"),
		fetchSeconds:  histogram("token_fetch_duration_seconds", "How long token fetches took, refreshes included, by app.", fast, "app"),
		refreshes:     counter("token_refreshes_total", "Token refreshes at the provider, by app and result (ok, refused, failed).", "app", "result"),
		refreshSecs:   histogram("token_refresh_duration_seconds", "How long the provider took to refresh a token, by app.", remote, "app"),
		requests:      counter("http_requests_total", "HTTP requests, by method, route pattern and status code.", "method", "route", "code"),
		requestSecs:   histogram("http_request_duration_seconds", "HTTP request latency, by method and route pattern.", fast, "method", "route"),
		proxied:       counter("proxy_requests_total", "Requests sent to apps' APIs with a connection's credential, by app and status class (2xx..5xx, error, refused).", "app", "class"),
		proxiedSecs:   histogram("proxy_request_duration_seconds", "How long apps' APIs took to answer proxied requests (headers), retries included, by app.", remote, "app"),
		proxyRefresh:  counter("proxy_refreshes_total", "Token refreshes a 401 from an app's API caused, by app.", "app"),
		proxyWaits:    counter("proxy_rate_limit_waits_total", "Proxied requests that waited for an API's Retry-After, by app.", "app"),
		proxyWaitSecs: counter("proxy_rate_limit_wait_seconds_total", "Time proxied requests spent waiting for an API's Retry-After, by app.", "app"),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.flowsStarted, m.flowsFinished, m.steps, m.stepSeconds, m.consents, m.callbacks, m.callbackSecs,
		m.fetches, m.fetchSeconds, m.refreshes, m.refreshSecs, m.requests, m.requestSecs,
		m.proxied, m.proxiedSecs, m.proxyRefresh, m.proxyWaits, m.proxyWaitSecs,
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// ExecutionStarted implements engine.Observer.
func (m *Metrics) ExecutionStarted(flowID string) { m.flowsStarted.WithLabelValues(flowID).Inc() }

// StepFinished implements engine.Observer.
func (m *Metrics) StepFinished(_, kind, result string, d time.Duration) {
	m.steps.WithLabelValues(kind, result).Inc()
	m.stepSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

// ExecutionFinished implements engine.Observer.
func (m *Metrics) ExecutionFinished(flowID string, status engine.Status) {
	m.flowsFinished.WithLabelValues(flowID, string(status)).Inc()
}

// ConsentStarted implements oauth.Observer.
func (m *Metrics) ConsentStarted(appID string) { m.consents.WithLabelValues(appID).Inc() }

// CallbackHandled implements oauth.Observer.
func (m *Metrics) CallbackHandled(appID, outcome string, d time.Duration) {
	m.callbacks.WithLabelValues(appID, outcome).Inc()
	m.callbackSecs.WithLabelValues(appID).Observe(d.Seconds())
}

// TokenFetched implements oauth.Observer.
func (m *Metrics) TokenFetched(appID, result string, d time.Duration) {
	m.fetches.WithLabelValues(appID, result).Inc()
	m.fetchSeconds.WithLabelValues(appID).Observe(d.Seconds())
}

// TokenRefreshed implements oauth.Observer.
func (m *Metrics) TokenRefreshed(appID, result string, d time.Duration) {
	m.refreshes.WithLabelValues(appID, result).Inc()
	m.refreshSecs.WithLabelValues(appID).Observe(d.Seconds())
}

// ProxyRequest implements proxy.Observer.
func (m *Metrics) ProxyRequest(appID, class string, d time.Duration) {
	m.proxied.WithLabelValues(appID, class).Inc()
	m.proxiedSecs.WithLabelValues(appID).Observe(d.Seconds())
}

// ProxyRefreshed implements proxy.Observer.
func (m *Metrics) ProxyRefreshed(appID string) { m.proxyRefresh.WithLabelValues(appID).Inc() }

// ProxyWaited implements proxy.Observer.
func (m *Metrics) ProxyWaited(appID string, d time.Duration) {
	m.proxyWaits.WithLabelValues(appID).Inc()
	m.proxyWaitSecs.WithLabelValues(appID).Add(d.Seconds())
}

func (m *Metrics) request(method, route string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.requestSecs.WithLabelValues(method, route).Observe(d.Seconds())
}

// Handler serves the metrics in the Prometheus text format, for hosts that expose them on
// another listener.
func (m *Metrics) Handler() http.Handler { return m.handler }

func (m *Metrics) serve(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }
