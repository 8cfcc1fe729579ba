package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/outflowhq/outflow/server"
)

// With CheckHost, a request for another host than the public URL's is answered 421 (a page that
// rebinds a domain of its own to the server's address gets nothing), but for the probes; loopback
// names are one host for a loopback public URL.
func TestCheckHostAnswers421ToAnotherHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		publicURL string
		check     bool
		hosts     map[string]bool // Host → served
	}{
		{"http://localhost:8080", true, map[string]bool{
			"localhost:8080": true, "LocalHost:8080": true, "127.0.0.1:8080": true, "[::1]:8080": true, "127.0.0.2:8080": true,
			"localhost:9090": false, "localhost": false, "evil.example:8080": false, "evil.example": false, "192.168.1.5:8080": false, "": false,
		}},
		{"http://127.0.0.1:8080", true, map[string]bool{"localhost:8080": true, "127.0.0.1:8080": true, "rebind.evil.example:8080": false}},
		{"https://auth.example.com/outflow", true, map[string]bool{
			"auth.example.com": true, "auth.example.com:443": true, "AUTH.example.com": true,
			"auth.example.com:8443": false, "localhost:8080": false, "10.0.0.7:8080": false,
		}},
		{"https://auth.example.com", false, map[string]bool{"evil.example": true}},
		{"", true, map[string]bool{"evil.example": true}},
	} {
		s := newServer(t, server.Options{PublicURL: tc.publicURL, CheckHost: tc.check, Logger: slog.New(slog.DiscardHandler)})
		for host, served := range tc.hosts {
			req := httptest.NewRequest("GET", "/v1/openapi.json", nil)
			req.Host = host
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			var body struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal(w.Body.Bytes(), &body)
			switch {
			case served && w.Code != http.StatusOK:
				t.Errorf("%s, CheckHost %v, Host %q: %d %s, want it served", tc.publicURL, tc.check, host, w.Code, w.Body)
			case !served && (w.Code != http.StatusMisdirectedRequest || body.Error.Code != "misdirected_request" || body.Error.Message == ""):
				t.Errorf("%s, Host %q: %d %s, want 421 misdirected_request", tc.publicURL, host, w.Code, w.Body)
			}
			for _, probe := range []string{"/healthz", "/readyz", "/metrics"} {
				req := httptest.NewRequest("GET", probe, nil)
				req.Host = host
				w := httptest.NewRecorder()
				if s.ServeHTTP(w, req); w.Code != http.StatusOK {
					t.Errorf("%s, Host %q: %s answers %d", tc.publicURL, host, probe, w.Code)
				}
			}
		}
	}
}
