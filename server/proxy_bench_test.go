package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/server"
)

// BenchmarkProxy compares GET /v1/proxy/{appId}/{path...} (management key, connection chosen by
// header, token from the vault, headers cleaned, answer streamed back) with
// httputil.ReverseProxy adding a static Authorization header, both in front of the same local
// upstream: the ratio of their ns/op is the proxy's cost.
func BenchmarkProxy(b *testing.B) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"contacts":[{"id":"c1","name":"Ada Lovelace"}]}`)
	}))
	b.Cleanup(upstream.Close)
	target, _ := url.Parse(upstream.URL)
	// The baseline gets the same connection pool as the proxy's own transport.
	rp := &httputil.ReverseProxy{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, ForceAttemptHTTP2: true},
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Header.Set("Authorization", "Bearer static-token")
		}}
	baseline := httptest.NewServer(rp)
	b.Cleanup(baseline.Close)
	ours := benchServer(b, upstream.URL)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

	get := func(b *testing.B, url string, headers map[string]string) time.Duration {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
		return time.Since(start)
	}
	rpURL, ourURL := baseline.URL+"/v1/contacts", ours+"/v1/proxy/crm/contacts"
	ourHeaders := map[string]string{"Authorization": "Bearer " + proxyKey, "Outflow-User-Id": "ann"}
	b.Run("reverseproxy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			get(b, rpURL, nil)
		}
	})
	b.Run("outflow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			get(b, ourURL, ourHeaders)
		}
	})
	// Both in one loop, request by request, so a busy machine slows both alike: the reported
	// ratio is the proxy's throughput relative to the baseline's.
	b.Run("interleaved", func(b *testing.B) {
		var rp, our time.Duration
		for b.Loop() {
			rp += get(b, rpURL, nil)
			our += get(b, ourURL, ourHeaders)
		}
		b.ReportMetric(float64(rp.Nanoseconds())/float64(b.N), "reverseproxy-ns/req")
		b.ReportMetric(float64(our.Nanoseconds())/float64(b.N), "outflow-ns/req")
		b.ReportMetric(float64(rp)/float64(our), "throughput-ratio")
	})
}

// benchServer is a server with the request proxy in front of api, a connection for ann, and no
// log output.
func benchServer(b *testing.B, api string) string {
	b.Helper()
	quiet := slog.New(slog.DiscardHandler)
	st, reg := setup(b, apps.Options{Logger: quiet})
	vault, err := oauth.NewVault(reg, oauth.VaultOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = vault.Close() })
	keys := apikeys.NewAPIKeys(reg)
	p, err := proxy.New(proxy.Options{Apps: reg, Vault: vault, APIKeys: keys, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	str := func(s string) *string { return &s }
	kind := apps.KindOAuth2
	if _, err := reg.Create(ctx, apps.AppPatch{ID: str("crm"), Kind: &kind, Name: str("CRM"), ClientID: str("c"),
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str("https://crm.example.com/token"),
		APIBaseURLs: &[]string{api + "/v1"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: "ann"},
		AccessToken: "at-bench", ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(newServer(b, server.Options{Store: st, Apps: reg, Vault: vault, APIKeys: keys, Proxy: p,
		ManagementKeys: []string{proxyKey}, Logger: quiet}))
	b.Cleanup(srv.Close)
	return srv.URL
}
