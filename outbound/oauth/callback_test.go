package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

func TestCallbackStoresTheConnection(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice, Scopes: []string{"openid", "contacts.read", "offline_access"},
		RedirectURL: "https://app.example.com/settings?tab=apps"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.v.HandleCallback(ctx, "crm", f.p.issueCode(t, cr.URL), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != OutcomeConnected || res.ConnectionID == "" || res.Resume != nil {
		t.Fatalf("result %+v", res)
	}
	u, _ := url.Parse(res.RedirectURL)
	if q := u.Query(); u.Host != "app.example.com" || q.Get("tab") != "apps" || q.Get(RedirectParamStatus) != "connected" || q.Get(RedirectParamConnection) != res.ConnectionID {
		t.Errorf("redirect %q lacks the status or the connection, or lost its own query", res.RedirectURL)
	}
	c := res.Connection
	if c.Subject != "acct-42" || c.Status != StatusActive || !c.HasRefreshToken || c.ExpirySource != ExpiryProvider {
		t.Errorf("connection %+v", c)
	}
	if !slices.Equal(c.Scopes, []string{"openid", "contacts.read", "offline_access"}) || c.GrantedBy != "consent" {
		t.Errorf("scopes %v grantedBy %q", c.Scopes, c.GrantedBy)
	}
	if !c.ExpiresAt.Equal(vaultEpoch.Add(time.Hour)) {
		t.Errorf("expiresAt %v, want now+expires_in", c.ExpiresAt)
	}
	tok, got := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	if got.ID != c.ID || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Errorf("fetch after connect: %v %+v", tok, got)
	}
	byID, err := f.v.Connection(ctx, c.ID)
	if err != nil || byID.AppID != "crm" || byID.Owner != alice {
		t.Errorf("Connection(%q) = %+v, %v", c.ID, byID, err)
	}
}

func TestCallbackKeepsGrantedScopesFromTheResponse(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.p.setRespond(func(form url.Values) (int, any) {
		status, body := f.p.standard(form)
		if m, ok := body.(map[string]any); ok && status == 200 {
			m["scope"] = "contacts.read,offline_access" // narrower than asked, comma-separated
		}
		return status, body
	})
	res := f.connect(t, alice, "", "contacts.read", "contacts.write", "offline_access")
	if !slices.Equal(res.Connection.Scopes, []string{"contacts.read", "offline_access"}) {
		t.Errorf("scopes %v, want the granted ones", res.Connection.Scopes)
	}
	_, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice, Scopes: []string{"contacts.write"}})
	var ms *MissingScopesError
	if !errors.As(err, &ms) || !slices.Equal(ms.Missing, []string{"contacts.write"}) {
		t.Errorf("fetch for an ungranted scope: %v", err)
	}
}

func TestCallbackStateIsSingleUseAndChecked(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	start := func(binding string) url.Values {
		cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice, Binding: binding})
		if err != nil {
			t.Fatal(err)
		}
		return f.p.issueCode(t, cr.URL)
	}
	reason := func(err error) string {
		var se *StateError
		if !errors.As(err, &se) || !errors.Is(err, ErrInvalidState) {
			t.Fatalf("err = %v, want a StateError", err)
		}
		return se.Reason
	}

	q := start("")
	if _, err := f.v.HandleCallback(ctx, "crm", q, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.HandleCallback(ctx, "crm", q, ""); reason(err) != StateUnknown {
		t.Errorf("replayed state: %v", err)
	}
	forged := url.Values{"code": {"x"}, "state": {"AAAAAAAAAAAAAAAAAAAAAAAAAA"}}
	if _, err := f.v.HandleCallback(ctx, "crm", forged, ""); reason(err) != StateUnknown {
		t.Errorf("forged state: %v", err)
	}
	if _, err := f.v.HandleCallback(ctx, "crm", url.Values{"code": {"x"}}, ""); reason(err) != StateMissing {
		t.Errorf("no state: %v", err)
	}

	// Another browser or another app's path: refused, and the state still works where it belongs.
	q = start("browser-1")
	if _, err := f.v.HandleCallback(ctx, "crm", q, "browser-2"); reason(err) != StateBinding {
		t.Errorf("wrong binding: %v", err)
	}
	if _, err := f.v.HandleCallback(ctx, "other", q, "browser-1"); reason(err) != StateWrongApp {
		t.Errorf("wrong app: %v", err)
	}
	if res, err := f.v.HandleCallback(ctx, "crm", q, "browser-1"); err != nil || res.Outcome != OutcomeConnected {
		t.Errorf("right browser after refusals: %+v %v", res, err)
	}

	// Expired: the consent took longer than the state TTL. It ends as an error outcome that
	// still names the execution to resume, so the flow is not left waiting.
	cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice, RedirectURL: "https://app.example.com/connected",
		Execution: &ResumeTarget{ExecutionID: "x1", StepID: "connect", Nonce: "n1"}})
	if err != nil {
		t.Fatal(err)
	}
	q = f.p.issueCode(t, cr.URL)
	f.clock.Advance(11 * time.Minute)
	res, err := f.v.HandleCallback(ctx, "crm", q, "")
	if err != nil || res.Outcome != OutcomeError || res.ErrorCode != ErrorExpiredState || res.Resume == nil || res.Resume.Nonce != "n1" {
		t.Fatalf("expired state: %+v %v; want an expired_state error outcome that resumes the flow", res, err)
	}
	u, _ := url.Parse(res.RedirectURL)
	if u.Query().Get(RedirectParamStatus) != OutcomeError || u.Query().Get(RedirectParamError) != ErrorExpiredState {
		t.Errorf("redirect after an expired state: %q", res.RedirectURL)
	}
	if list, _ := f.v.List(ctx, alice, ""); len(list) != 1 || f.p.tokenCalls.Load() != 2 {
		t.Errorf("an expired state redeemed its code: %d connections, %d token calls", len(list), f.p.tokenCalls.Load())
	}
	if _, err := f.v.HandleCallback(ctx, "crm", q, ""); reason(err) != StateUnknown {
		t.Errorf("an expired state must be used up: %v", err)
	}
	// An expired state from another browser is still refused without being used.
	q = start("browser-1")
	f.clock.Advance(11 * time.Minute)
	if _, err := f.v.HandleCallback(ctx, "crm", q, "browser-2"); reason(err) != StateBinding {
		t.Errorf("expired state from another browser: %v", err)
	}
}

func TestCallbackOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		query    func(q url.Values) url.Values
		respond  func(form url.Values) (int, any)
		outcome  string
		code     string
		redirect string
	}{
		{
			name:    "denied",
			query:   func(q url.Values) url.Values { return url.Values{"state": q["state"], "error": {"access_denied"}} },
			outcome: OutcomeDenied, code: "access_denied", redirect: "denied",
		},
		{
			name: "provider error",
			query: func(q url.Values) url.Values {
				return url.Values{"state": q["state"], "error": {"temporarily_unavailable"}, "error_description": {"try\nlater <b>"}}
			},
			outcome: OutcomeError, code: "temporarily_unavailable", redirect: "error",
		},
		{
			name:    "garbage error code",
			query:   func(q url.Values) url.Values { return url.Values{"state": q["state"], "error": {"<script>"}} },
			outcome: OutcomeError, code: "server_error", redirect: "error",
		},
		{
			name:    "issuer mix-up",
			query:   func(q url.Values) url.Values { q.Set("iss", "https://evil.example.net"); return q },
			outcome: OutcomeError, code: "issuer_mismatch", redirect: "error",
		},
		{
			name:    "no code",
			query:   func(q url.Values) url.Values { return url.Values{"state": q["state"]} },
			outcome: OutcomeError, code: "invalid_response", redirect: "error",
		},
		{
			name:    "exchange refused",
			query:   func(q url.Values) url.Values { q.Set("code", "stolen"); return q },
			outcome: OutcomeError, code: "exchange_failed", redirect: "error",
		},
		{
			name:  "exchange 500",
			query: func(q url.Values) url.Values { return q },
			respond: func(url.Values) (int, any) {
				return 500, map[string]any{"oops": "RT-should-never-be-shown"}
			},
			outcome: OutcomeError, code: "exchange_failed", redirect: "error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupVault(t, func(p *apps.AppPatch) { p.Issuer = ptr("https://crm.example.com") })
			f.p.setRespond(tt.respond)
			ctx := context.Background()
			cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice, RedirectURL: "https://app.example.com/connected",
				Execution: &ResumeTarget{ExecutionID: "x1", StepID: "connect", Nonce: "n1"}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.v.HandleCallback(ctx, "crm", tt.query(f.p.issueCode(t, cr.URL)), "")
			if err != nil {
				t.Fatalf("HandleCallback: %v", err)
			}
			if res.Outcome != tt.outcome || res.ErrorCode != tt.code || res.ConnectionID != "" {
				t.Errorf("outcome %q code %q conn %q; want %q %q", res.Outcome, res.ErrorCode, res.ConnectionID, tt.outcome, tt.code)
			}
			if res.Resume == nil || res.Resume.ExecutionID != "x1" || res.Resume.Nonce != "n1" {
				t.Errorf("resume %+v: the flow must learn the outcome", res.Resume)
			}
			u, _ := url.Parse(res.RedirectURL)
			if u.Query().Get(RedirectParamStatus) != tt.redirect || u.Query().Get(RedirectParamError) != tt.code {
				t.Errorf("redirect %q", res.RedirectURL)
			}
			if res.ErrorMessage == "" || len(res.ErrorMessage) > 310 {
				t.Errorf("message %q", res.ErrorMessage)
			}
			if list, _ := f.v.List(ctx, alice, ""); len(list) != 0 {
				t.Errorf("a failed consent stored %d connections", len(list))
			}
			if strings.Contains(f.logs.String(), "should-never-be-shown") {
				t.Error("the body of a failed token response reached the logs")
			}
		})
	}
}

func TestCallbackIssuerMatchesAndNonceIsChecked(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	// The app names the fake provider as its issuer: a matching iss is accepted.
	if _, err := f.apps.Update(ctx, "crm", apps.AppPatch{Issuer: ptr(f.p.srv.URL)}); err != nil {
		t.Fatal(err)
	}
	cr, _ := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice, Scopes: []string{"openid"}})
	q := f.p.issueCode(t, cr.URL)
	q.Set("iss", f.p.srv.URL)
	if res, err := f.v.HandleCallback(ctx, "crm", q, ""); err != nil || res.Outcome != OutcomeConnected || res.Connection.Subject != "acct-42" {
		t.Fatalf("matching iss: %+v %v", res, err)
	}
	// An ID token carrying another sign-in's nonce is refused.
	f.p.setRespond(func(form url.Values) (int, any) {
		status, body := f.p.standard(form)
		body.(map[string]any)["id_token"] = testJWT(map[string]any{"sub": "acct-42", "aud": fakeClientID, "nonce": "replayed"})
		return status, body
	})
	cr, _ = f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice, Scopes: []string{"openid"}})
	res, err := f.v.HandleCallback(ctx, "crm", f.p.issueCode(t, cr.URL), "")
	if err != nil || res.Outcome != OutcomeError || res.ErrorCode != "invalid_id_token" {
		t.Errorf("replayed id token: %+v %v", res, err)
	}
}

func TestReconnectKeepsTheConnectionID(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	first := f.connect(t, alice, "work")
	other := f.connect(t, alice, "home")
	again := f.connect(t, alice, "work", "contacts.read", "contacts.write", "offline_access")
	if again.ConnectionID != first.ConnectionID || !again.Reconnected || other.ConnectionID == first.ConnectionID {
		t.Errorf("work %s, home %s, work again %s (reconnected %v)", first.ConnectionID, other.ConnectionID, again.ConnectionID, again.Reconnected)
	}
	list, err := f.v.List(context.Background(), alice, "crm")
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %d, %v; want 2 connections", len(list), err)
	}
	// Without external ids or an account id, scope sets tell connections apart.
	f2 := setupVault(t)
	a := f2.connect(t, alice, "", "contacts.read")
	b := f2.connect(t, alice, "", "contacts.write")
	c := f2.connect(t, alice, "", "contacts.read")
	if a.ConnectionID == b.ConnectionID || c.ConnectionID != a.ConnectionID {
		t.Errorf("read %s, write %s, read again %s", a.ConnectionID, b.ConnectionID, c.ConnectionID)
	}
}

// A refused code exchange whose error_description repeats the code, the PKCE verifier or the
// client secret leaves none of them in the logs.
func TestRefusedExchangeIsLoggedWithoutSecrets(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	var sent url.Values
	f.p.setRespond(func(form url.Values) (int, any) {
		sent = form
		return 400, map[string]any{"error": "invalid_grant", "error_description": "code " + form.Get("code") +
			" with verifier " + form.Get("code_verifier") + " for secret " + fakeSecret + " was refused"}
	})
	ctx := context.Background()
	cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.v.HandleCallback(ctx, "crm", f.p.issueCode(t, cr.URL), "")
	if err != nil || res.ErrorCode != "exchange_failed" {
		t.Fatalf("%+v %v", res, err)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "was refused") {
		t.Fatalf("the refusal is not logged: %s", logs)
	}
	for _, secret := range []string{sent.Get("code"), sent.Get("code_verifier"), fakeSecret} {
		if secret == "" || strings.Contains(logs, secret) || strings.Contains(res.ErrorMessage, secret) {
			t.Errorf("the logs or the outcome repeat a secret of the exchange (%d characters)", len(secret))
		}
	}
}
