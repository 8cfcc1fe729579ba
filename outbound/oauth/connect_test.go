package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestConnectBuildsTheAuthorizationRequest(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) {
		p.AccessType = ptr(apps.AccessTypeOffline)
		p.Prompt = &[]string{apps.PromptConsent, apps.PromptSelectAccount}
		p.AuthorizationParams = map[string]*string{"include_granted_scopes": ptr("true")}
		p.ScopeSeparator = ptr(",")
	})
	ctx := context.Background()
	cr, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: alice})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cr.URL)
	q := u.Query()
	want := map[string]string{
		"response_type":          "code",
		"client_id":              fakeClientID,
		"redirect_uri":           "https://auth.example.com/v1/oauth/callback/crm",
		"scope":                  "contacts.read,offline_access",
		"code_challenge_method":  "S256",
		"access_type":            "offline",
		"prompt":                 "consent select_account",
		"include_granted_scopes": "true",
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if u.Host != "crm.example.com" || u.Path != "/authorize" {
		t.Errorf("authorization URL %s://%s%s is not the app's", u.Scheme, u.Host, u.Path)
	}
	if len(q.Get("state")) < 26 || len(q.Get("code_challenge")) != 43 {
		t.Errorf("state %d chars, challenge %d chars: want >= 26 (128 bits) and 43", len(q.Get("state")), len(q.Get("code_challenge")))
	}
	if !cr.ExpiresAt.Equal(vaultEpoch.Add(10 * 60e9)) {
		t.Errorf("expiresAt = %v, want the state TTL (10m) from now", cr.ExpiresAt)
	}
	// The state is kept under its hash, sealed: neither the state nor the verifier is readable.
	for _, readable := range []string{q.Get("state"), "verifier", "alice"} {
		if hits := storetest.Find(t, f.s, readable); len(hits) > 0 {
			t.Errorf("the pending state is stored readable: %q is in %v", readable, hits)
		}
	}
}

func TestConnectWithCustomScopeParameterAndNoPKCE(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) { p.ScopeParam = ptr("user_scope"); p.PKCE = ptr(false) })
	cr, err := f.v.Connect(context.Background(), ConnectRequest{AppID: "crm", Owner: alice, Scopes: []string{"chat:write"}})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(strings.SplitN(cr.URL, "?", 2)[1])
	if q.Get("user_scope") != "chat:write" || q.Has("scope") || q.Has("code_challenge") {
		t.Errorf("query %v: want user_scope only and no PKCE", q)
	}
}

func TestConnectAddsANonceForOpenID(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	cr, err := f.v.Connect(context.Background(), ConnectRequest{AppID: "crm", Owner: alice, Scopes: []string{"openid", "contacts.read"}})
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := url.ParseQuery(strings.SplitN(cr.URL, "?", 2)[1]); len(q.Get("nonce")) < 20 {
		t.Errorf("nonce = %q; an OpenID request needs one", q.Get("nonce"))
	}
}

func TestConnectRedirectURLs(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) {
		p.AllowedRedirectURLs = &[]string{"https://app.example.com/connected", "https://other.example.org/done"}
	})
	tests := []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://app.example.com/connected", true},
		{"https://other.example.org/done", true},
		{"https://app.example.com/settings?tab=apps", true}, // admitted by VaultOptions.RedirectAllowed
		{"https://evil.example.net/steal", false},
		{"https://other.example.org/done/extra", false},
		{"javascript:alert(1)", false},
		{"//evil.example.net", false},
	}
	for _, tt := range tests {
		_, err := f.v.Connect(context.Background(), ConnectRequest{AppID: "crm", Owner: alice, RedirectURL: tt.url})
		if (err == nil) != tt.ok {
			t.Errorf("redirect %q: err = %v, want ok=%v", tt.url, err, tt.ok)
		}
		var re *outbound.InvalidError
		if err != nil && (!errors.As(err, &re) || re.Fields[0].Field != "redirectUrl") {
			t.Errorf("redirect %q: err = %v, want an InvalidError on redirectUrl", tt.url, err)
		}
	}
}

func TestConnectValidatesTheRequest(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	_, err := f.v.Connect(context.Background(), ConnectRequest{Scopes: []string{"a b", ""}, Execution: &ResumeTarget{}})
	var re *outbound.InvalidError
	if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err = %v, want an InvalidError", err)
	}
	got := map[string]bool{}
	for _, fe := range re.Fields {
		got[fe.Field] = true
	}
	for _, want := range []string{"appId", "userId", "scopes[0]", "scopes[1]", "execution"} {
		if !got[want] {
			t.Errorf("no message for %s in %v", want, re.Fields)
		}
	}
	if _, err := f.v.Connect(context.Background(), ConnectRequest{AppID: "nope", Owner: alice}); !errors.Is(err, apps.ErrAppNotFound) {
		t.Errorf("unknown app: err = %v, want ErrAppNotFound", err)
	}
}
