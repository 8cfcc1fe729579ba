package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
)

// A provider that takes refreshes at their own endpoint (Figma's /v1/oauth/refresh, Dropbox
// Sign's /oauth/token?refresh): the code exchange goes to tokenUrl, every refresh to refreshUrl.
func TestRefreshURLTakesTheRefreshes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, refreshPath string }{
		{"own path", "/refresh"},
		{"query on the token path", "/token?refresh"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupVault(t)
			f.p.splitRefresh = tt.refreshPath == "/refresh"
			if _, err := f.apps.Update(context.Background(), "crm", apps.AppPatch{RefreshURL: ptr(f.p.url(tt.refreshPath))}); err != nil {
				t.Fatal(err)
			}
			f.connect(t, alice, "")
			f.clock.Advance(2 * time.Hour)
			f.fetch(t, FetchRequest{Owner: alice})
			f.p.mu.Lock()
			defer f.p.mu.Unlock()
			if want := []string{"/token", tt.refreshPath}; !slices.Equal(f.p.tokenPaths, want) {
				t.Errorf("token requests went to %v, want %v", f.p.tokenPaths, want)
			}
		})
	}
}

// Without refreshUrl a provider with a separate refresh endpoint refuses the refresh: the
// setting is what makes it work.
func TestWithoutRefreshURLASplitProviderRefusesTheRefresh(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.p.splitRefresh = true
	f.connect(t, alice, "")
	f.clock.Advance(2 * time.Hour)
	if _, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice}); err == nil {
		t.Fatal("the refresh at tokenUrl worked; want the provider to refuse it")
	}
}

// Basecamp's Launchpad: type=web_server on the code exchange, type=refresh on a refresh. Token
// parameters still go with both requests unless refreshParams names them.
func TestRefreshParamsGoWithRefreshesOnly(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) {
		p.TokenParams = map[string]*string{"type": ptr("web_server"), "audience": ptr("crm-api")}
		p.RefreshParams = map[string]*string{"type": ptr("refresh")}
	})
	f.connect(t, alice, "")
	f.clock.Advance(2 * time.Hour)
	f.fetch(t, FetchRequest{Owner: alice})
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	if len(f.p.tokenForms) != 2 {
		t.Fatalf("%d token requests, want the exchange and one refresh", len(f.p.tokenForms))
	}
	ex, re := f.p.tokenForms[0], f.p.tokenForms[1]
	if ex.Get("type") != "web_server" || ex.Get("audience") != "crm-api" {
		t.Errorf("code exchange form %v: want type=web_server and the token params", ex)
	}
	if re.Get("grant_type") != "refresh_token" || re.Get("type") != "refresh" || re.Get("audience") != "crm-api" {
		t.Errorf("refresh form %v: want type=refresh and the other token params", re)
	}
}

// A provider that takes only JSON token requests (Notion, Square): with tokenBodyFormat json
// both the exchange and the refresh succeed, and the client secret still never shows in an error.
func TestJSONTokenRequests(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) {
		p.TokenBodyFormat = ptr(apps.TokenBodyJSON)
		p.TokenAuthStyle = ptr(apps.TokenAuthParams)
		p.TokenParams = map[string]*string{"audience": ptr("crm-api")}
	})
	f.p.onlyJSON = true
	f.connect(t, alice, "")
	f.clock.Advance(2 * time.Hour)
	f.fetch(t, FetchRequest{Owner: alice})
	f.p.mu.Lock()
	forms := slices.Clone(f.p.tokenForms)
	f.p.mu.Unlock()
	if len(forms) != 2 || forms[0].Get("code") == "" || forms[1].Get("refresh_token") == "" ||
		forms[0].Get("client_secret") != fakeSecret || forms[1].Get("audience") != "crm-api" {
		t.Errorf("JSON token requests carried %v", forms)
	}

	// A form request to the same provider fails, and its error does not carry the secret.
	if _, err := f.apps.Update(context.Background(), "crm", apps.AppPatch{Remove: []string{"tokenBodyFormat"}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour)
	_, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice})
	if err == nil {
		t.Fatal("a form refresh worked against a JSON-only provider")
	}
	if strings.Contains(err.Error(), fakeSecret) || strings.Contains(err.Error(), url.QueryEscape(fakeSecret)) {
		t.Errorf("error carries the client secret: %v", err)
	}
}

// A provider that names the account's data centre as a bare host in its token responses, as
// Wrike does (host: www.wrike.com): the connection's API base is that host on the scheme and
// path of the matching apiBaseUrls entry, refreshed when a refresh names another host, and
// absent when the host is under none of the app's bases.
func TestAPIBaseFromABareHost(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) {
		p.APIBaseURLs = &[]string{"https://*.wrike.com/api/v4"}
		p.APIBaseURLFrom = ptr("host")
	})
	host := "www.wrike.com"
	f.p.setRespond(func(form url.Values) (int, any) {
		status, body := f.p.standard(form)
		if m, ok := body.(map[string]any); ok && status == 200 {
			m["host"] = host
		}
		return status, body
	})
	res := f.connect(t, alice, "")
	if got := res.Connection.APIBaseURL; got != "https://www.wrike.com/api/v4" {
		t.Errorf("connection API base %q, want https://www.wrike.com/api/v4", got)
	}
	host = "app-eu.wrike.com"
	f.clock.Advance(2 * time.Hour)
	_, c := f.fetch(t, FetchRequest{Owner: alice})
	if c.APIBaseURL != "https://app-eu.wrike.com/api/v4" {
		t.Errorf("after a refresh naming another host: %q", c.APIBaseURL)
	}
	host = "evil.example.com"
	f.clock.Advance(2 * time.Hour)
	_, c = f.fetch(t, FetchRequest{Owner: alice})
	if c.APIBaseURL != "https://app-eu.wrike.com/api/v4" {
		t.Errorf("a host under no API base replaced the connection's base: %q", c.APIBaseURL)
	}
}
