package oauth

import (
	"context"
	"net/url"
	"testing"
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
