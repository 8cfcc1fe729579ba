package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// TestCallbackRedirectPrecedence: after a consent the browser goes to the connect's own redirect
// URL; else back to the flow that started it (no redirect URL, so the host shows the flow);
// else to the app's defaultRedirectUrl. An app's default never takes the browser away from a
// flow that is waiting for it.
func TestCallbackRedirectPrecedence(t *testing.T) {
	t.Parallel()
	flow := &ResumeTarget{ExecutionID: "x1", StepID: "connect", Nonce: "n1"}
	tests := []struct {
		name      string
		redirect  string
		execution *ResumeTarget
		want      string // host and path of the redirect; "" for none
	}{
		{"a flow's step with its own redirect URL", "https://app.example.com/after-connect", flow, "app.example.com/after-connect"},
		{"a flow's step without one goes back to the flow", "", flow, ""},
		{"a request with its own redirect URL", "https://app.example.com/settings", nil, "app.example.com/settings"},
		{"a request without one uses the app's default", "", nil, "app.example.com/connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupVault(t)
			ctx := context.Background()
			cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice, RedirectURL: tt.redirect, Execution: tt.execution})
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.v.HandleCallback(ctx, "crm", f.p.issueCode(t, cr.URL), "")
			if err != nil || res.Outcome != OutcomeConnected {
				t.Fatalf("callback: %+v, %v", res, err)
			}
			got := ""
			if res.RedirectURL != "" {
				u, err := url.Parse(res.RedirectURL)
				if err != nil || u.Query().Get(RedirectParamStatus) != OutcomeConnected {
					t.Fatalf("redirect %q does not carry the outcome", res.RedirectURL)
				}
				got = u.Host + u.Path
			}
			if got != tt.want {
				t.Errorf("the browser goes to %q, want %q", got, tt.want)
			}
		})
	}
}

// A registry without a public URL cannot give the provider an absolute callback URL, so a consent
// does not start (a relative redirect_uri would strand the browser at the provider); an app with
// its own callback domain needs none.
func TestConnectNeedsAPublicURL(t *testing.T) {
	t.Parallel()
	kr, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	registry, err := apps.NewApps(apps.Options{Store: storetest.New(t), Keyring: kr, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, registry, VaultOptions{})
	ctx := context.Background()
	p := apps.AppPatch{
		ID: ptr("crm"), Kind: ptr(apps.KindOAuth2), Name: ptr("Acme CRM"),
		ClientID: ptr(fakeClientID), ClientSecret: ptr(outbound.NewSecret(fakeSecret)),
		AuthorizationURL: ptr("https://crm.example.com/authorize"), TokenURL: ptr("https://crm.example.com/token"),
		DefaultRedirectURL: ptr("https://app.example.com/connected"),
	}
	if _, err := registry.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	_, err = v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice})
	if !errors.Is(err, ErrNoPublicURL) {
		t.Fatalf("connect without a public URL: %v, want ErrNoPublicURL", err)
	}
	if err := v.CheckConnect(ctx, ConnectRequest{AppID: "crm", Owner: alice}); !errors.Is(err, ErrNoPublicURL) {
		t.Fatalf("check connect without a public URL: %v, want ErrNoPublicURL", err)
	}
	p.ID, p.CallbackDomain = ptr("crm2"), ptr("callbacks.example.com")
	if _, err := registry.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	cr, err := v.Connect(ctx, ConnectRequest{AppID: "crm2", Owner: alice})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cr.URL, url.QueryEscape("https://callbacks.example.com/v1/oauth/callback/crm2")) {
		t.Errorf("consent URL %s lacks the callback domain's redirect_uri", cr.URL)
	}
}
