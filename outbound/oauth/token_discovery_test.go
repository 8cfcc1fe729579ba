package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/outflowhq/outflow/outbound/apps"
)

// discoveryServer serves a discovery document whose endpoints a test chooses, and counts what
// reaches it besides.
type discoveryServer struct {
	srv   *httptest.Server
	doc   map[string]any
	other atomic.Int64
}

func newDiscoveryServer(t *testing.T, doc map[string]any) *discoveryServer {
	d := &discoveryServer{doc: doc}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			writeTestJSON(w, 200, d.doc)
			return
		}
		d.other.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// Endpoints named by a discovery document obey the same URL rules as an app's own settings: a
// document naming an http:// or link-local endpoint makes the connect fail with a message that
// names the endpoint, and no authorization URL toward it is handed out.
func TestDiscoveredEndpointsFollowTheAppURLRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, field, want string
		doc               map[string]any
	}{
		{"plain http token endpoint", "token_endpoint", "https", map[string]any{
			"authorization_endpoint": "https://crm.example.com/authorize", "token_endpoint": "http://crm.example.com/token"}},
		{"link-local authorization endpoint", "authorization_endpoint", "link-local", map[string]any{
			"authorization_endpoint": "https://169.254.169.254/authorize", "token_endpoint": "https://crm.example.com/token"}},
		{"revocation endpoint with credentials", "revocation_endpoint", "user name", map[string]any{
			"authorization_endpoint": "https://crm.example.com/authorize", "token_endpoint": "https://crm.example.com/token",
			"revocation_endpoint": "https://u:p@crm.example.com/revoke"}},
		{"relative token endpoint", "token_endpoint", "absolute", map[string]any{
			"authorization_endpoint": "https://crm.example.com/authorize", "token_endpoint": "/token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newDiscoveryServer(t, tt.doc)
			f := setupVault(t, func(p *apps.AppPatch) {
				p.AuthorizationURL, p.TokenURL, p.RevocationURL = ptr(""), ptr(""), ptr("")
				p.DiscoveryURL = ptr(d.srv.URL + "/.well-known/openid-configuration")
			})
			cr, err := f.v.Connect(context.Background(), ConnectRequest{AppID: "crm", Owner: alice})
			var de *DiscoveryError
			if !errors.Is(err, ErrDiscovery) || !errors.As(err, &de) || de.Field != tt.field || !strings.Contains(de.Error(), tt.want) {
				t.Fatalf("Connect = %v, %v; want a discovery error on %s saying %q", cr, err, tt.field, tt.want)
			}
			if strings.Contains(err.Error(), "169.254.169.254") || strings.Contains(err.Error(), "u:p@") {
				t.Errorf("the error repeats the URL: %v", err)
			}
		})
	}
}

// An app with its own authorization and token endpoints keeps working when its discovery
// document names a forbidden endpoint: the document is ignored (with a warning), so the
// forbidden revocation endpoint never receives the tokens.
func TestABadDiscoveryDocumentIsIgnoredWhenTheAppNamesItsEndpoints(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	d := newDiscoveryServer(t, nil)
	d.doc = map[string]any{"authorization_endpoint": "https://crm.example.com/authorize", "token_endpoint": f.p.url("/token"),
		"revocation_endpoint": "http://revoke.example.com/revoke"}
	ctx := context.Background()
	if _, err := f.apps.Update(ctx, "crm", apps.AppPatch{RevocationURL: ptr(""),
		DiscoveryURL: ptr(d.srv.URL + "/.well-known/openid-configuration")}); err != nil {
		t.Fatal(err)
	}
	f.connect(t, alice, "")
	pc, err := f.v.provider(ctx, mustGetApp(t, f, "crm"))
	if err != nil || pc.revocationURL != "" {
		t.Fatalf("provider = %+v, %v; want the app's endpoints without the document's revocation endpoint", pc, err)
	}
	if !strings.Contains(f.logs.String(), "revocation_endpoint") {
		t.Errorf("no warning names the refused endpoint; logs:\n%s", f.logs.String())
	}
}

func mustGetApp(t *testing.T, f *vaultFixture, id string) apps.App {
	t.Helper()
	app, err := f.apps.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return app
}
