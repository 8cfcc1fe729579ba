package request

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/outbound/proxy"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// setup returns a proxy for the OAuth app "crm" whose API is api, with a connection for ann.
func setup(t *testing.T, api http.HandlerFunc) *proxy.Proxy {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := apps.NewApps(apps.Options{Store: storetest.New(t), Keyring: ring})
	if err != nil {
		t.Fatal(err)
	}
	vault, err := oauth.NewVault(reg, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vault.Close() })
	ctx := context.Background()
	str := func(s string) *string { return &s }
	kind := apps.KindOAuth2
	if _, err := reg.Create(ctx, apps.AppPatch{
		ID: str("crm"), Kind: &kind, Name: str("CRM"), ClientID: str("c"),
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str("https://crm.example.com/token"),
		APIBaseURLs: &[]string{srv.URL + "/api"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: "ann"},
		AccessToken: "at-secret-token", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p, err := proxy.New(proxy.Options{Apps: reg, Vault: vault, APIKeys: apikeys.NewAPIKeys(reg)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runStep(t *testing.T, p *proxy.Proxy, c *Config, user string) (actions.Result, error) {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	a, err := Request(p).Build(c)
	if err != nil {
		t.Fatal(err)
	}
	return a.Run(context.Background(), &actions.Call{Subject: actions.Subject{UserID: user}, Now: time.Now()})
}

func TestRequestOutputsStatusHeadersAndJSONBody(t *testing.T) {
	t.Parallel()
	p := setup(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Total", "2")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "path": r.URL.RequestURI(), "auth": r.Header.Get("Authorization") != "",
			"got": json.RawMessage(body), "custom": r.Header.Get("X-Custom"),
		})
	})
	res, err := runStep(t, p, &Config{
		App: actions.Literal("crm"), Method: "POST", Path: actions.Literal("/contacts?sort=name"),
		Query:   actions.Literal(map[string]string{"limit": "10"}),
		Headers: actions.Literal(map[string]string{"X-Custom": "yes", "Authorization": "Bearer from-flow"}),
		Body:    actions.Literal[any](map[string]any{"name": "Ada"}), ResponseHeaders: []string{"X-Total"}, Secret: true,
	}, "ann")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := res.Output["body"].(map[string]any)
	if res.Outcome != OutcomeOK || res.Output["status"] != float64(200) || body["path"] != "/api/contacts?limit=10&sort=name" ||
		body["auth"] != true || body["custom"] != "yes" || body["method"] != "POST" {
		t.Errorf("result %s %v", res.Outcome, res.Output)
	}
	if got, _ := body["got"].(map[string]any); got["name"] != "Ada" {
		t.Errorf("the API received %v", body["got"])
	}
	if h, _ := res.Output["headers"].(map[string]any); h["x-total"] != "2" {
		t.Errorf("headers %v", res.Output["headers"])
	}
	if len(res.Redact) != 1 || res.Redact[0] != "body" {
		t.Errorf("a secret step's body is not redacted from events: %v", res.Redact)
	}
	if out, _ := json.Marshal(res.Output); strings.Contains(string(out), "at-secret-token") {
		t.Error("the output holds the token")
	}
}

func TestRequestOutcomes(t *testing.T) {
	t.Parallel()
	p := setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/missing":
			w.WriteHeader(http.StatusNotFound)
		case "/api/broken":
			w.WriteHeader(http.StatusBadGateway)
		case "/api/big":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `"`+strings.Repeat("x", MaxBody)+`"`)
		}
	})
	for _, c := range []struct {
		path, user, outcome string
		tooLarge            bool
	}{
		{"/missing", "ann", OutcomeClientError, false},
		{"/broken", "ann", OutcomeServerError, false},
		{"/big", "ann", OutcomeOK, true},
		{"/x", "bob", OutcomeNotConnected, false},
	} {
		res, err := runStep(t, p, &Config{App: actions.Literal("crm"), Path: actions.Literal(c.path)}, c.user)
		if err != nil || res.Outcome != c.outcome || res.Output["bodyTooLarge"] != c.tooLarge {
			t.Errorf("%s for %s: %s %v, %v; want %s", c.path, c.user, res.Outcome, res.Output, err, c.outcome)
		}
	}
}

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	p := setup(t, func(w http.ResponseWriter, r *http.Request) {})
	_, err := runStep(t, p, &Config{App: actions.Literal("crm"), Path: actions.Literal("/../../admin")}, "ann")
	var ae *actions.Error
	if !errors.As(err, &ae) || ae.Code != CodeHostNotAllowed {
		t.Errorf("a path climbing out of the base: %v", err)
	}
	_, err = runStep(t, p, &Config{App: actions.Literal("nope"), Path: actions.Literal("/x")}, "ann")
	if !errors.As(err, &ae) || ae.Code != CodeAppNotFound {
		t.Errorf("an unknown app: %v", err)
	}
	_, err = runStep(t, p, &Config{App: actions.Literal("crm"), Path: actions.Literal("/x")}, "")
	if !errors.As(err, &ae) || ae.Code != CodeNoSubject {
		t.Errorf("no user: %v", err)
	}
	if _, err := Request(nil).Build(&Config{}); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []Config{
		{App: actions.Literal(""), Path: actions.Literal("/x")},
		{App: actions.Literal("a"), Path: actions.Literal("https://evil.example.com/x")},
		{App: actions.Literal("a"), Path: actions.Literal("/x"), Method: "TRACE"},
		{App: actions.Literal("a"), Path: actions.Literal("/x"), TimeoutSeconds: 600},
		{App: actions.Literal("a"), Path: actions.Literal("/x"), ResponseHeaders: []string{"a b"}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v validated", c)
		}
	}
}
