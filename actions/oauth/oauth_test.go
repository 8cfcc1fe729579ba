package oauth_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	oauthaction "github.com/outflowhq/outflow/actions/oauth"
	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// provider is a minimal OAuth token endpoint: it redeems any code it issued (checking that a
// PKCE verifier comes with it) and answers refreshes as told.
type provider struct {
	srv *httptest.Server

	mu      sync.Mutex
	codes   map[string]string // code → scope
	refresh string            // "ok" (default) or an error code
	issued  []string
}

func newProvider(t *testing.T) *provider {
	p := &provider{codes: map[string]string{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		p.mu.Lock()
		defer p.mu.Unlock()
		scope, ok := p.codes[r.PostForm.Get("code")]
		switch {
		case r.PostForm.Get("grant_type") == "refresh_token" && p.refresh != "":
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": p.refresh})
			return
		case r.PostForm.Get("grant_type") == "authorization_code" && (!ok || r.PostForm.Get("code_verifier") == ""):
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_grant"})
			return
		}
		delete(p.codes, r.PostForm.Get("code"))
		at, rt := "AT-"+rand.Text(), "RT-"+rand.Text()
		p.issued = append(p.issued, at, rt)
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": at, "refresh_token": rt, "expires_in": 3600, "scope": scope, "token_type": "Bearer"})
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// approve is the provider's answer when the user approves the authorization request at authURL.
func (p *provider) approve(t *testing.T, authURL string) url.Values {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	code := "code-" + rand.Text()
	p.mu.Lock()
	p.codes[code] = u.Query().Get("scope")
	p.mu.Unlock()
	return url.Values{"code": {code}, "state": {u.Query().Get("state")}}
}

type fixture struct {
	s     *store.Store
	apps  *apps.Apps
	vault *oauth.Vault
	eng   *engine.Engine
	p     *provider
	clock *clock.Fake
	reg   *actions.Registry
}

const connectFlow = `
id: connect-crm
steps:
  connect:
    action: outbound.connect
    with:
      app: crm
      scopes: [contacts.read, offline_access]
    on:
      connected: check
      denied: denied
      error: failed
  check:
    action: outbound.token
    with:
      app: crm
      scopes: [contacts.read]
    on:
      connected: done
      missing_scopes: failed
      not_connected: failed
      needs_reauth: failed
  done:
    end:
      output:
        connectionId: ${{ steps.connect.output.connectionId }}
        scopes: ${{ steps.connect.output.scopes }}
        expiresIn: ${{ steps.check.output.expiresIn }}
  denied:
    end:
      output:
        reason: ${{ steps.connect.output.error }}
  failed:
    end:
      output:
        failed: true
`

func setup(t *testing.T, flowSources ...string) *fixture {
	t.Helper()
	f := &fixture{s: storetest.New(t), p: newProvider(t), clock: clock.NewFake(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))}
	kr, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	registry, err := apps.NewApps(apps.Options{Store: f.s, Keyring: kr, Clock: f.clock, PublicURL: "https://auth.example.com", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kind := apps.KindOAuth2
	_, err = registry.Create(ctx, apps.AppPatch{
		ID: ptr("crm"), Kind: &kind, Name: ptr("Acme CRM"), Logo: ptr("https://crm.example.com/logo.png"),
		ClientID: ptr("client"), ClientSecret: ptr(outbound.NewSecret("secret")),
		AuthorizationURL: ptr("https://crm.example.com/authorize"), TokenURL: ptr(f.p.srv.URL + "/token"),
		Scopes: &[]apps.Scope{
			{Name: "contacts.read", Description: "Read your contacts"},
			{Name: "contacts.write", Description: "Change your contacts", Optional: true},
			{Name: "offline_access", Description: "Stay connected"},
		},
		DefaultScopes: &[]string{"contacts.read", "offline_access"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.vault, err = oauth.NewVault(registry, oauth.VaultOptions{}); err != nil {
		t.Fatal(err)
	}
	f.apps = registry
	registry.OnDelete(f.vault.DeleteAppConnections)
	f.reg = actions.NewRegistry()
	if err := core.Register(f.reg); err != nil {
		t.Fatal(err)
	}
	if err := f.reg.Add(oauthaction.Kinds(f.vault)...); err != nil {
		t.Fatal(err)
	}
	f.eng, err = engine.New(engine.Options{Store: f.s, Registry: f.reg, Clock: f.clock, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if len(flowSources) == 0 {
		flowSources = []string{connectFlow}
	}
	for i, src := range flowSources {
		fl, err := flows.NewLoader(f.reg).Load("flow"+string(rune('0'+i))+".yaml", []byte(src))
		if err != nil {
			t.Fatalf("load flow: %v", err)
		}
		if err := f.eng.AddFlow(ctx, fl); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// callback does what the server does when the browser comes back: the vault handles the
// callback, then the engine resumes the execution with its outcome.
func (f *fixture) callback(t *testing.T, q url.Values) *engine.Response {
	t.Helper()
	ctx := context.Background()
	res, err := f.vault.HandleCallback(ctx, "crm", q, "")
	if err != nil {
		t.Fatalf("HandleCallback: %v", err)
	}
	if res.Resume == nil {
		t.Fatal("the callback does not say which execution to resume")
	}
	resp, err := f.eng.ResumeCallback(ctx, engine.CallbackRequest{ExecutionID: res.Resume.ExecutionID, StepID: res.Resume.StepID,
		Nonce: res.Resume.Nonce, Input: res.ResumeInput()})
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return resp
}

func (f *fixture) start(t *testing.T, flowID string, subject actions.Subject) *engine.Response {
	t.Helper()
	resp, err := f.eng.Start(context.Background(), flowID, engine.StartRequest{Subject: subject})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func ptr[T any](v T) *T { return &v }

var alice = actions.Subject{UserID: "alice", TenantID: "acme"}

func TestConnectThenTokenInAFlow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	resp := f.start(t, "connect-crm", alice)
	if resp.Action != engine.ActionRedirect || !strings.HasPrefix(resp.Redirect.URL, "https://crm.example.com/authorize?") {
		t.Fatalf("first response %+v: want a redirect to the consent page", resp)
	}
	done := f.callback(t, f.p.approve(t, resp.Redirect.URL))
	if done.Status != engine.StatusCompleted || done.Output["connectionId"] == "" || done.Output["expiresIn"] != float64(3600) {
		t.Fatalf("after the callback: %+v (%+v)", done, done.Error)
	}
	if scopes, _ := done.Output["scopes"].([]any); len(scopes) != 2 {
		t.Errorf("scopes %v", done.Output["scopes"])
	}
	evs, err := f.eng.Events(context.Background(), resp.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	var created bool
	for _, e := range evs {
		created = created || (e.Type == oauth.EventConnectionCreated && e.Data["connectionId"] == done.Output["connectionId"])
	}
	if !created {
		t.Error("the execution's event log has no connection.created")
	}
	// Nothing the flow kept (record, events, outputs) holds a token.
	f.p.mu.Lock()
	issued := append([]string(nil), f.p.issued...)
	f.p.mu.Unlock()
	if len(issued) == 0 {
		t.Fatal("the provider recorded no token: the search below would prove nothing")
	}
	for _, tok := range issued {
		if hits := storetest.Find(t, f.s, tok); len(hits) > 0 {
			t.Fatalf("a token reached Redis in plain text (execution record, events or vault): %v", hits)
		}
	}
}

func TestConnectDenied(t *testing.T) {
	t.Parallel()
	f := setup(t)
	resp := f.start(t, "connect-crm", alice)
	q := f.p.approve(t, resp.Redirect.URL)
	q.Del("code")
	q.Set("error", "access_denied")
	done := f.callback(t, q)
	if done.Status != engine.StatusCompleted || !strings.HasPrefix(done.Output["reason"].(string), "access_denied") {
		t.Fatalf("denied consent: %+v", done)
	}
}

const chooseFlow = `
id: choose
steps:
  connect:
    action: outbound.connect
    with:
      app: crm
      chooseScopes: true
      tenant: true
      prompt: Let us sync your CRM contacts.
      scopes: [contacts.read, contacts.write, offline_access]
    on:
      connected: done
      skipped: later
      denied: later
      error: later
  done:
    end:
      output:
        scopes: ${{ steps.connect.output.scopes }}
  later:
    end:
      output:
        skipped: true
`

func TestChooseScopesScreen(t *testing.T) {
	t.Parallel()
	f := setup(t, chooseFlow)
	ctx := context.Background()
	resp := f.start(t, "choose", alice)
	s := resp.Screen
	if resp.Action != engine.ActionScreen || s == nil || s.Title != "t:consent.title?app=Acme+CRM" || s.Text != "Let us sync your CRM contacts." ||
		s.App == nil || s.App.Logo != "https://crm.example.com/logo.png" || len(s.Fields) != 3 || len(s.Buttons) != 2 {
		t.Fatalf("screen %+v", s)
	}
	if s.Fields[1].Label != "Change your contacts" || s.Fields[1].Required || !s.Fields[0].Required || s.Fields[0].Value != true {
		t.Errorf("scope checkboxes %+v", s.Fields)
	}
	// Connect without the optional scope.
	next, err := f.eng.Next(ctx, resp.ExecutionID, engine.NextRequest{
		StepID: "connect", Interaction: "connect", Nonce: resp.Nonce,
		Input: map[string]any{"scope_0": true, "scope_1": false, "scope_2": true},
	})
	if err != nil || next.Action != engine.ActionRedirect {
		t.Fatalf("after Connect: %+v %v", next, err)
	}
	u, _ := url.Parse(next.Redirect.URL)
	if got := u.Query().Get("scope"); got != "contacts.read offline_access" {
		t.Errorf("asked for %q, want the checked scopes", got)
	}
	done := f.callback(t, f.p.approve(t, next.Redirect.URL))
	if done.Status != engine.StatusCompleted || len(done.Output["scopes"].([]any)) != 2 {
		t.Fatalf("done %+v", done)
	}
	// The connection belongs to the tenant.
	if list, _ := f.vault.List(ctx, outbound.Owner{TenantID: "acme"}, "crm"); len(list) != 1 {
		t.Errorf("tenant connections: %d", len(list))
	}

	// Not now.
	resp = f.start(t, "choose", alice)
	later, err := f.eng.Next(ctx, resp.ExecutionID, engine.NextRequest{StepID: "connect", Interaction: "not_now", Nonce: resp.Nonce})
	if err != nil || later.Status != engine.StatusCompleted || later.Output["skipped"] != true {
		t.Fatalf("not now: %+v %v", later, err)
	}
}

const tokenFlow = `
id: token
steps:
  check:
    action: outbound.token
    with:
      app: crm
      scopes: ${{ input.scopes }}
    on:
      connected: ok
      missing_scopes: more
      not_connected: none
      needs_reauth: broken
  ok:
    end:
      output: {status: ok}
  more:
    end:
      output:
        missing: ${{ steps.check.output.missingScopes }}
  none:
    end:
      output: {status: none}
  broken:
    end:
      output:
        status: ${{ steps.check.output.status }}
inputs:
  scopes:
    type: list
    default: []
`

func TestTokenOutcomes(t *testing.T) {
	t.Parallel()
	f := setup(t, connectFlow, tokenFlow)
	ctx := context.Background()
	run := func(scopes ...string) map[string]any {
		in := make([]any, len(scopes))
		for i, s := range scopes {
			in[i] = s
		}
		resp, err := f.eng.Start(ctx, "token", engine.StartRequest{Subject: alice, Input: map[string]any{"scopes": in}})
		if err != nil || resp.Status != engine.StatusCompleted {
			t.Fatalf("token flow: %+v %v", resp, err)
		}
		return resp.Output
	}
	if out := run(); out["status"] != "none" {
		t.Errorf("before connecting: %v", out)
	}
	resp := f.start(t, "connect-crm", alice)
	f.callback(t, f.p.approve(t, resp.Redirect.URL))
	if out := run("contacts.read"); out["status"] != "ok" {
		t.Errorf("connected: %v", out)
	}
	if out := run("contacts.read", "contacts.write"); len(out["missing"].([]any)) != 1 {
		t.Errorf("missing scopes: %v", out)
	}
	f.p.mu.Lock()
	f.p.refresh = "invalid_grant"
	f.p.mu.Unlock()
	f.clock.Advance(2 * time.Hour)
	if out := run(); out["status"] != "needs_reauth" {
		t.Errorf("refused grant: %v", out)
	}
}

func TestConfigIsCheckedWhenTheFlowLoads(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := map[string]string{
		"no app": `
id: x
steps:
  c:
    action: outbound.connect
    with: {scopes: [a]}
    next: [{goto: e}]
  e: {end: {}}
`,
		"prompt without chooseScopes": `
id: x
steps:
  c:
    action: outbound.connect
    with: {app: crm, prompt: hi}
    next: [{goto: e}]
  e: {end: {}}
`,
		"skipped without chooseScopes": `
id: x
steps:
  c:
    action: outbound.connect
    with: {app: crm}
    on: {skipped: e}
    next: [{goto: e}]
  e: {end: {}}
`,
		"unknown setting": `
id: x
steps:
  c:
    action: outbound.token
    with: {app: crm, scope: [a]}
    next: [{goto: e}]
  e: {end: {}}
`,
	}
	for name, src := range tests {
		_, err := flows.NewLoader(f.reg).Load("x.yaml", []byte(src))
		if err == nil {
			t.Errorf("%s: the flow loaded", name)
			continue
		}
		if want := wantLoadError[name]; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want it to say %q", name, err, want)
		}
	}
}

var wantLoadError = map[string]string{
	"no app":                       `missing required field "app"`,
	"prompt without chooseScopes":  "set chooseScopes: true",
	"skipped without chooseScopes": `no outcome "skipped"`,
	"unknown setting":              `did you mean "scopes"?`,
}

func TestKindsWithoutAVaultLoadAndFailWhenRun(t *testing.T) {
	t.Parallel()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(oauthaction.Kinds(nil)...); err != nil {
		t.Fatal(err)
	}
	fl, err := flows.NewLoader(reg).Load("c.yaml", []byte(connectFlow))
	if err != nil {
		t.Fatalf("a flow using the kinds does not load without a vault: %v", err)
	}
	s := storetest.New(t)
	var logs strings.Builder
	eng, err := engine.New(engine.Options{Store: s, Registry: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.AddFlow(context.Background(), fl); err != nil {
		t.Fatal(err)
	}
	// A missing vault is the host's mistake: an internal error no flow can catch by code, and a
	// log line that says what to pass.
	resp, err := eng.Start(context.Background(), "connect-crm", engine.StartRequest{Subject: alice})
	if err != nil || resp.Status != engine.StatusFailed || resp.Error.Code != actions.CodeInternal {
		t.Fatalf("run without a vault: %+v %v", resp, err)
	}
	if !strings.Contains(logs.String(), "builtin.Deps.Vault") {
		t.Errorf("the log does not say what the host must pass: %s", logs.String())
	}
}
