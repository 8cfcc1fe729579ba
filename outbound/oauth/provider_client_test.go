package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

// redirectTrap is a provider that answers every request with a 307 toward a second server,
// which counts whatever reaches it: with a 307 a client that follows redirects would send the
// same body (client secret, code, verifier, tokens) and headers again.
type redirectTrap struct {
	from, to *httptest.Server
	received atomic.Int64
}

func newRedirectTrap(t *testing.T) *redirectTrap {
	r := &redirectTrap{}
	r.to = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.received.Add(1)
		writeTestJSON(w, 200, map[string]any{"access_token": "AT-elsewhere", "token_type": "bearer", "sub": "x",
			"authorization_endpoint": "https://crm.example.com/authorize", "token_endpoint": r.to.URL + "/token"})
	}))
	t.Cleanup(r.to.Close)
	r.from = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, r.to.URL+req.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(r.from.Close)
	return r
}

func (r *redirectTrap) url(path string) string { return r.from.URL + path }

// No request that carries a credential follows a redirect: not the code exchange, the
// refresh, the revocation, the user-info request, nor the discovery document's.
func TestProviderRequestsNeverFollowARedirect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, trap *redirectTrap)
	}{
		{"code exchange", func(t *testing.T, trap *redirectTrap) {
			f := setupVault(t, func(p *apps.AppPatch) { p.TokenURL = ptr(trap.url("/token")) })
			cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice})
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.v.HandleCallback(ctx, "crm", f.p.issueCode(t, cr.URL), "")
			if err != nil || res.Outcome == OutcomeConnected {
				t.Errorf("callback = %+v, %v; want a failed exchange", res, err)
			}
		}},
		{"refresh", func(t *testing.T, trap *redirectTrap) {
			f := setupVault(t)
			f.connect(t, alice, "")
			if _, err := f.apps.Update(ctx, "crm", apps.AppPatch{TokenURL: ptr(trap.url("/token"))}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(2 * time.Hour)
			if tok, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice}); err == nil {
				t.Errorf("fetch gave %v; want the refresh to fail", tok)
			}
		}},
		{"revocation", func(t *testing.T, trap *redirectTrap) {
			f := setupVault(t)
			f.connect(t, alice, "")
			if _, err := f.apps.Update(ctx, "crm", apps.AppPatch{RevocationURL: ptr(trap.url("/revoke"))}); err != nil {
				t.Fatal(err)
			}
			rep, err := f.v.Disconnect(ctx, DisconnectRequest{AppID: "crm", Owner: alice})
			if err != nil || len(rep.Connections) != 1 || rep.Connections[0].RevokeError == "" {
				t.Errorf("disconnect = %+v, %v; want the revocation reported as failed", rep, err)
			}
		}},
		{"user info", func(t *testing.T, trap *redirectTrap) {
			f := setupVault(t, func(p *apps.AppPatch) { p.UserInfoURL = ptr(trap.url("/userinfo")) })
			if res := f.connect(t, alice, ""); res.Connection.Subject != "" {
				t.Errorf("subject %q, want none", res.Connection.Subject)
			}
		}},
		{"discovery", func(t *testing.T, trap *redirectTrap) {
			f := setupVault(t, func(p *apps.AppPatch) {
				p.AuthorizationURL, p.TokenURL, p.RevocationURL = ptr(""), ptr(""), ptr("")
				p.DiscoveryURL = ptr(trap.url("/.well-known/openid-configuration"))
			})
			if _, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice}); err == nil {
				t.Error("connect succeeded with a discovery document behind a redirect")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			trap := newRedirectTrap(t)
			tt.run(t, trap)
			if n := trap.received.Load(); n != 0 {
				t.Errorf("the server redirected to received %d requests", n)
			}
		})
	}
}
