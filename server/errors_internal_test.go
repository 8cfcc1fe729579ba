package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
)

// internalTestKey is the management key of the internal tests.
const internalTestKey = "internal-test-key-0123456789abcdef"

// The input of an expired execution goes to management-key callers only.
func TestOnlyManagementCallersGetTheInputOfAnExpiredExecution(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{ManagementKeys: []string{internalTestKey}, Logger: slog.New(slog.DiscardHandler)})
	expired := fmt.Errorf("next: %w", &engine.ExpiredError{ExecutionID: "x", FlowID: "signup", Input: map[string]any{"plan": "pro"}})
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"a public route", func(w http.ResponseWriter, r *http.Request) { s.fail(w, r, expired) }, `{"flowId":"signup"}`},
		{"a management route", s.management(func(w http.ResponseWriter, r *http.Request) { s.fail(w, r, expired) }), `{"flowId":"signup","input":{"plan":"pro"}}`},
	} {
		r := httptest.NewRequest("GET", "/v1/executions/x", nil)
		r.Header.Set("Authorization", "Bearer "+internalTestKey)
		w := httptest.NewRecorder()
		tc.handler(w, r)
		var body struct {
			Error struct {
				Restart json.RawMessage `json:"restart"`
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusGone || string(body.Error.Restart) != tc.want {
			t.Errorf("%s: %d restart %s, want %s", tc.name, w.Code, body.Error.Restart, tc.want)
		}
	}
}

// A provider whose discovery document cannot be used is the provider's fault: 502, with the
// reason, never a 500.
func TestAnUnusableDiscoveryDocumentIsABadGateway(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{Logger: slog.New(slog.DiscardHandler)})
	err := fmt.Errorf("connect app %q: %w", "crm", &oauth.DiscoveryError{AppID: "crm", Field: "token_endpoint", Problem: "must use https"})
	status, body := s.classify(err)
	if status != http.StatusBadGateway || body.Code != "provider_misconfigured" || !strings.Contains(body.Message, "token_endpoint must use https") {
		t.Errorf("classify = %d %+v, want 502 provider_misconfigured naming the endpoint", status, body)
	}
}

// A write refused because it would replace a stored secret that does not open with the keyring
// is the server's fault and lasts until an operator fixes the keyring: 500 with its own code
// (not 503: retrying cannot help), and neither the key id nor any secret reaches the client.
func TestASecretThatDoesNotOpenIsAServerErrorOfItsOwn(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{Logger: slog.New(slog.DiscardHandler)})
	err := fmt.Errorf("store API key for app %q: %w", "openai",
		&outbound.SecretUnreadableError{What: `API key of app "openai" version 1`, KeyID: "k1", Err: store.ErrSealBroken})
	w := httptest.NewRecorder()
	s.fail(w, httptest.NewRequest("POST", "/v1/apikeys", nil), err)
	var body errorBody
	if jerr := json.Unmarshal(w.Body.Bytes(), &body); jerr != nil || w.Code != http.StatusInternalServerError || body.Error.Code != "secret_unreadable" {
		t.Fatalf("%d %s, want 500 secret_unreadable", w.Code, w.Body)
	}
	if w.Header().Get("Retry-After") != "" || strings.Contains(body.Error.Message, "k1") {
		t.Errorf("Retry-After %q, message %q: want no retry hint and no key id", w.Header().Get("Retry-After"), body.Error.Message)
	}
}

// mustNew returns New(opts), failing the test on an error.
func mustNew(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
