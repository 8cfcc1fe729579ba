package server_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// The HTTP benchmarks run the real server over loopback against the simplest net/http handler
// doing the same Redis I/O: it checks a bearer key, decodes the JSON body, makes the same Redis
// round trips and writes a JSON answer. Their "interleaved" rows alternate the two request by
// request, so a busy machine slows both alike; "throughput-ratio" is the server's throughput
// relative to the baseline's (1: as fast).

const benchKey = "bench-management-key-0123456789abcdef"

// benchHTTPStores runs fn on the embedded store and, when OUTFLOW_TEST_REDIS_URL is set, on the
// real Redis.
func benchHTTPStores(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("embedded", func(b *testing.B) { fn(b, storetest.New(b)) })
	if os.Getenv(storetest.EnvRedisURL) != "" {
		b.Run("redis", func(b *testing.B) { fn(b, storetest.Real(b)) })
	}
}

// baselineHandler is the simplest handler doing io on Redis after checking the bearer key and
// decoding the JSON body; it answers {"value": what io returned}.
func baselineHandler(io func(ctx context.Context) (string, error)) http.Handler {
	want := []byte("Bearer " + benchKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		v, err := io(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"value": v})
	})
}

// poster sends JSON POSTs with the bench key over one pooled client.
type poster struct {
	b *testing.B
	c *http.Client
}

func newPoster(b *testing.B) *poster {
	return &poster{b: b, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
}

// post sends body to url and returns the answer's body and how long the request took.
func (p *poster) post(url string, body []byte) ([]byte, time.Duration) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := p.c.Do(req)
	if err != nil {
		p.b.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusOK {
		p.b.Fatalf("%s: %d %s %v", url, resp.StatusCode, out, err)
	}
	return out, d
}

// compare runs the baseline and ours alone, then interleaved, reporting the ratio.
func compare(b *testing.B, baseline, ours func() time.Duration) {
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			baseline()
		}
	})
	b.Run("outflow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ours()
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		var base, our time.Duration
		for b.Loop() {
			base += baseline()
			our += ours()
		}
		b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "baseline-ns/req")
		b.ReportMetric(float64(our.Nanoseconds())/float64(b.N), "outflow-ns/req")
		b.ReportMetric(float64(base)/float64(our), "throughput-ratio")
	})
}

// BenchmarkHTTPTokenFetch compares POST /v1/tokens/fetch of a valid token (management key,
// body, one Redis round trip, token opened, JSON answer) with the baseline doing one GET of a
// 600-byte value.
func BenchmarkHTTPTokenFetch(b *testing.B) {
	benchHTTPStores(b, func(b *testing.B, st *store.Store) {
		quiet := slog.New(slog.DiscardHandler)
		_, reg := setup(b, apps.Options{Store: st, Logger: quiet})
		vault, err := oauth.NewVault(reg, oauth.VaultOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = vault.Close() })
		ctx := context.Background()
		str := func(s string) *string { return &s }
		kind := apps.KindOAuth2
		if _, err := reg.Create(ctx, apps.AppPatch{ID: str("crm"), Kind: &kind, Name: str("CRM"), ClientID: str("c"),
			AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str("https://crm.example.com/token")}); err != nil {
			b.Fatal(err)
		}
		if _, err := vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: "ann"},
			AccessToken: "at-bench", ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
		ours := httptest.NewServer(newServer(b, server.Options{Store: st, Apps: reg, Vault: vault,
			ManagementKeys: []string{benchKey}, Logger: quiet, Metrics: server.NewMetrics()}))
		b.Cleanup(ours.Close)

		key := st.Keys().BrowserLink("bench-http-get")
		if err := st.SetValue(ctx, key, bytes.Repeat([]byte("v"), 600), 0); err != nil {
			b.Fatal(err)
		}
		base := httptest.NewServer(baselineHandler(func(ctx context.Context) (string, error) {
			return st.Client().Get(ctx, key).Result()
		}))
		b.Cleanup(base.Close)

		p := newPoster(b)
		body := []byte(`{"appId":"crm","userId":"ann"}`)
		if out, _ := p.post(ours.URL+"/v1/tokens/fetch", body); !strings.Contains(string(out), "at-bench") {
			b.Fatalf("fetch answered %s", out)
		}
		compare(b,
			func() time.Duration { _, d := p.post(base.URL+"/fetch", body); return d },
			func() time.Duration { _, d := p.post(ours.URL+"/v1/tokens/fetch", body); return d })
	})
}

// httpBenchFlow is BenchmarkStep's flow: next on a screen runs a set step and a condition and
// pauses at the screen again.
const httpBenchFlow = `
id: bench
steps:
  ask:
    screen:
      fields: [{name: plan, label: Plan}]
      buttons: [{id: go}]
    next: compute
  compute:
    action: set
    with:
      pro: ${{ form.plan == "pro" }}
    next:
      - when: steps.compute.output.pro && form.plan != ""
        goto: ask
      - goto: ask
`

// BenchmarkHTTPTransition compares POST /v1/executions/{id}/next (screen → set → screen: claim,
// run, compare-and-set) with the baseline doing the two round trips any transition needs, an
// HGET and an HSET of a value as large as the execution's record.
func BenchmarkHTTPTransition(b *testing.B) {
	benchHTTPStores(b, func(b *testing.B, st *store.Store) {
		quiet := slog.New(slog.DiscardHandler)
		reg := actions.NewRegistry()
		if err := core.Register(reg); err != nil {
			b.Fatal(err)
		}
		eng, err := engine.New(engine.Options{Store: st, Registry: reg, Logger: quiet, PublishEvents: true})
		if err != nil {
			b.Fatal(err)
		}
		f, err := flows.NewLoader(reg).Load("bench.yaml", []byte(httpBenchFlow))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := eng.AddFlow(ctx, f); err != nil {
			b.Fatal(err)
		}
		_, appReg := setup(b, apps.Options{Store: st, Logger: quiet})
		ours := httptest.NewServer(newServer(b, server.Options{Store: st, Apps: appReg, Engine: eng,
			ManagementKeys: []string{benchKey}, Logger: quiet, Metrics: server.NewMetrics()}))
		b.Cleanup(ours.Close)
		p := newPoster(b)
		started, _ := p.post(ours.URL+"/v1/flows/bench/start", []byte(`{"userId":"ann"}`))
		var at struct {
			ExecutionID string `json:"executionId"`
			StepID      string `json:"stepId"`
			Nonce       string `json:"nonce"`
		}
		if err := json.Unmarshal(started, &at); err != nil || at.Nonce == "" {
			b.Fatalf("start answered %s (%v)", started, err)
		}
		x, err := st.GetExecution(ctx, at.ExecutionID)
		if err != nil {
			b.Fatal(err)
		}

		key := st.Keys().Execution("bench-http-baseline")
		payload := make([]byte, len(x.Data))
		st.Client().HSet(ctx, key, "rev", 1, "data", payload)
		base := httptest.NewServer(baselineHandler(func(ctx context.Context) (string, error) {
			v, err := st.Client().HGet(ctx, key, "data").Result()
			if err != nil {
				return "", err
			}
			return "", st.Client().HSet(ctx, key, "data", v).Err()
		}))
		b.Cleanup(base.Close)

		nextURL := ours.URL + "/v1/executions/" + at.ExecutionID + "/next"
		baseBody := []byte(`{"stepId":"ask","interaction":"go","nonce":"n","input":{"plan":"pro"}}`)
		compare(b,
			func() time.Duration { _, d := p.post(base.URL+"/next", baseBody); return d },
			func() time.Duration {
				body, _ := json.Marshal(map[string]any{"stepId": at.StepID, "interaction": "go", "nonce": at.Nonce, "input": map[string]any{"plan": "pro"}})
				out, d := p.post(nextURL, body)
				if err := json.Unmarshal(out, &at); err != nil || at.Nonce == "" {
					b.Fatalf("next answered %s (%v)", out, err)
				}
				return d
			})
	})
}
