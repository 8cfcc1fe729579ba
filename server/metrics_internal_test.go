package server

import (
	"compress/gzip"
	"io"
	"math"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// scrapeText reads the metrics Handler's answer.
func scrapeText(t *testing.T, m *Metrics, acceptEncoding string) (string, *httptest.ResponseRecorder) {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/metrics", nil)
	if acceptEncoding != "" {
		r.Header.Set("Accept-Encoding", acceptEncoding)
	}
	m.Handler().ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("GET /metrics: %d", w.Code)
	}
	body := io.Reader(w.Body)
	if w.Header().Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = z
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), w
}

// sample is one parsed line of the Prometheus text format.
type sample struct {
	name   string
	labels [][2]string // in the order of the line
	value  float64
}

// parseSample parses a sample line, label values unescaped, or says why it cannot.
func parseSample(line string) (sample, string) {
	var s sample
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return s, "no name"
	}
	s.name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for line != "" && line[0] != '}' {
			eq := strings.IndexByte(line, '=')
			if eq <= 0 || len(line) < eq+2 || line[eq+1] != '"' {
				return s, "a label without =\""
			}
			name := line[:eq]
			line = line[eq+2:]
			var v strings.Builder
			for {
				if line == "" {
					return s, "an unterminated label value"
				}
				c := line[0]
				line = line[1:]
				if c == '"' {
					break
				}
				if c == '\n' {
					return s, "a raw line feed in a label value"
				}
				if c != '\\' {
					v.WriteByte(c)
					continue
				}
				if line == "" {
					return s, "a lone backslash"
				}
				switch line[0] {
				case '\\':
					v.WriteByte('\\')
				case '"':
					v.WriteByte('"')
				case 'n':
					v.WriteByte('\n')
				default:
					return s, "an unknown escape \\" + line[:1]
				}
				line = line[1:]
			}
			s.labels = append(s.labels, [2]string{name, v.String()})
			line = strings.TrimPrefix(line, ",")
		}
		if line == "" {
			return s, "no closing brace"
		}
		line = line[1:]
	}
	if !strings.HasPrefix(line, " ") {
		return s, "no space before the value"
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
	if err != nil {
		return s, err.Error()
	}
	s.value = v
	return s, ""
}

// TestMetricsExposition reads the text the Handler writes: HELP and TYPE once per family with
// series, label names in alphabetical order, the histograms' buckets with their bounds, and the
// Go runtime and process series.
func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.request("POST", "POST /v1/tokens/fetch", 200, 3*time.Millisecond)
	m.request("POST", "POST /v1/tokens/fetch", 200, 2*time.Second)
	m.request("BREW", "", 404, time.Millisecond)
	m.TokenFetched("crm", "ok", time.Millisecond)
	m.ProxyWaited("crm", 1500*time.Millisecond)
	text, w := scrapeText(t, m, "")
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}

	helps, types := map[string]int{}, map[string]string{}
	series := map[string]float64{}
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			helps[strings.Fields(rest)[0]]++
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(rest)
			types[f[0]] = f[1]
			continue
		}
		s, bad := parseSample(line)
		if bad != "" {
			t.Fatalf("%s: %q", bad, line)
		}
		key := s.name + "{"
		for i, l := range s.labels {
			if i > 0 {
				key += ","
			}
			key += l[0] + "=" + strconv.Quote(l[1])
		}
		series[key+"}"] = s.value
	}
	for name, typ := range map[string]string{
		"outflow_http_requests_total": "counter", "outflow_http_request_duration_seconds": "histogram",
		"outflow_token_fetches_total": "counter", "outflow_token_fetch_duration_seconds": "histogram",
		"outflow_proxy_rate_limit_wait_seconds_total": "counter",
	} {
		if types[name] != typ || helps[name] != 1 {
			t.Errorf("%s: TYPE %q, %d HELP lines", name, types[name], helps[name])
		}
	}
	if _, ok := types["outflow_steps_total"]; ok {
		t.Error("a family without series has a TYPE line")
	}
	if !strings.Contains(text, "# HELP outflow_http_requests_total HTTP requests, by method, route pattern and status code.\n") {
		t.Error("the HELP text of outflow_http_requests_total is missing")
	}
	for key, want := range map[string]float64{
		`outflow_http_requests_total{code="200",method="POST",route="POST /v1/tokens/fetch"}`:                  2,
		`outflow_http_requests_total{code="404",method="other",route=""}`:                                      1,
		`outflow_http_request_duration_seconds_bucket{method="POST",route="POST /v1/tokens/fetch",le="0.001"}`: 0,
		`outflow_http_request_duration_seconds_bucket{method="POST",route="POST /v1/tokens/fetch",le="0.005"}`: 1,
		`outflow_http_request_duration_seconds_bucket{method="POST",route="POST /v1/tokens/fetch",le="2.5"}`:   2,
		`outflow_http_request_duration_seconds_bucket{method="POST",route="POST /v1/tokens/fetch",le="+Inf"}`:  2,
		`outflow_http_request_duration_seconds_count{method="POST",route="POST /v1/tokens/fetch"}`:             2,
		`outflow_http_request_duration_seconds_sum{method="POST",route="POST /v1/tokens/fetch"}`:               2.003,
		`outflow_token_fetches_total{app="crm",result="ok"}`:                                                   1,
		`outflow_token_fetch_duration_seconds_bucket{app="crm",le="0.0025"}`:                                   1,
		`outflow_proxy_rate_limit_wait_seconds_total{app="crm"}`:                                               1.5,
		`outflow_proxy_rate_limit_waits_total{app="crm"}`:                                                      1,
	} {
		if got, ok := series[key]; !ok || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	var bounds []string
	for key := range series {
		if rest, ok := strings.CutPrefix(key, `outflow_token_fetch_duration_seconds_bucket{app="crm",le="`); ok {
			bounds = append(bounds, strings.TrimSuffix(rest, `"}`))
		}
	}
	slices.Sort(bounds)
	if got := strings.Join(bounds, " "); got != "+Inf 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5" {
		t.Errorf("the fetch histogram's bounds: %s", got)
	}
	if series["go_goroutines{}"] == 0 {
		t.Error("go_goroutines is missing")
	}
	if _, ok := series["process_cpu_seconds_total{}"]; !ok {
		t.Error("process_cpu_seconds_total is missing")
	}

	zipped, w := scrapeText(t, m, "deflate, gzip;q=1.0")
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(zipped, `outflow_token_fetches_total{app="crm",result="ok"} 1`) {
		t.Errorf("gzip: %q, %d bytes", w.Header().Get("Content-Encoding"), len(zipped))
	}
}

// A host that turns on the metrics library's HELP and TYPE lines process-wide still gets one
// HELP and one TYPE line per family, with the help text.
func TestMetricsWithTheLibrarysMetadataOn(t *testing.T) {
	metrics.ExposeMetadata(true)
	defer metrics.ExposeMetadata(false)
	m := NewMetrics()
	m.TokenFetched("crm", "ok", time.Millisecond)
	text, _ := scrapeText(t, m, "")
	for _, family := range []string{"outflow_token_fetches_total", "outflow_token_fetch_duration_seconds"} {
		if n := strings.Count(text, "# HELP "+family+" "); n != 1 || strings.Count(text, "# HELP "+family+"\n") != 0 {
			t.Errorf("%s: %d HELP lines with text, or one without", family, n)
		}
		if n := strings.Count(text, "# TYPE "+family+" "); n != 1 {
			t.Errorf("%s: %d TYPE lines", family, n)
		}
	}
	if !strings.Contains(text, `outflow_token_fetches_total{app="crm",result="ok"} 1`) {
		t.Error("the series is missing")
	}
}

// TestMetricsLabelValuesAreEscaped counts a route pattern holding a double quote, a backslash,
// a line feed and braces: its line escapes them per the Prometheus text format and parses back
// to the same value.
func TestMetricsLabelValuesAreEscaped(t *testing.T) {
	m := NewMetrics()
	route := "GET /a/{id} \"quoted\" back\\slash\nnext line"
	m.request("GET", route, 200, time.Millisecond)
	m.TokenFetched(`"\`+"\n", "ok", time.Millisecond)
	text, _ := scrapeText(t, m, "")
	routes, apps := 0, 0
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		s, bad := parseSample(line)
		if bad != "" {
			t.Fatalf("%s: %q", bad, line)
		}
		for _, l := range s.labels {
			switch {
			case l[0] == "route" && l[1] == route:
				routes++
			case l[0] == "app" && l[1] == `"\`+"\n":
				apps++
			}
		}
	}
	if !strings.Contains(text, `outflow_http_requests_total{code="200",method="GET",route="GET /a/{id} \"quoted\" back\\slash\nnext line"} 1`+"\n") {
		t.Errorf("the escaped series is missing:\n%s", text)
	}
	// The counter's line, and the histogram's 11 bounds, +Inf, _sum and _count.
	if routes != 1+14 || apps != 1+14 {
		t.Errorf("%d lines parse back to the route, %d to the app, want 15 each", routes, apps)
	}
}

// TestMetricsObserversAllocateNothing: counting a tuple of label values seen before builds no
// series name.
func TestMetricsObserversAllocateNothing(t *testing.T) {
	m := NewMetrics()
	route := "POST /v1/tokens/fetch"
	for name, observe := range map[string]func(){
		"TokenFetched":      func() { m.TokenFetched("crm", "ok", time.Millisecond) },
		"StepFinished":      func() { m.StepFinished("signup", "screen", "completed", time.Millisecond) },
		"request":           func() { m.request("POST", route, 200, time.Millisecond) },
		"request other":     func() { m.request("BREW", route, 404, time.Millisecond) },
		"ExecutionStarted":  func() { m.ExecutionStarted("signup") },
		"ExecutionFinished": func() { m.ExecutionFinished("signup", "completed") },
		"CallbackHandled":   func() { m.CallbackHandled("crm", "connected", time.Millisecond) },
		"ProxyRequest":      func() { m.ProxyRequest("crm", "2xx", time.Millisecond) },
		"ProxyWaited":       func() { m.ProxyWaited("crm", time.Millisecond) },
	} {
		observe()
		if n := testing.AllocsPerRun(100, observe); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
}
