package apps

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
)

// keyCheck says where a provider expects its API key and which path proves it works.
type keyCheck struct {
	id     string
	path   string // the request path the provider sees (base path + probe path)
	header string // the header carrying the key; "" means Authorization: Bearer
}

// keyedProvider is a fake third-party API that answers 200 only to a GET of path carrying
// the key where the provider wants it, and 401 to anything else, as the real APIs do.
func keyedProvider(want keyCheck, key string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		if want.header != "" {
			got = r.Header.Get(want.header)
		} else {
			got = strings.TrimPrefix(got, "Bearer ")
		}
		if r.Method != http.MethodGet || r.URL.Path != want.path || got != key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// TestCatalogKeyProbesReachTheProviderAPI sends each API-key template's probe, built from
// the template alone, to a fake of the provider's API on a real HTTP server: the right key
// in the right place on the documented path is accepted, a wrong key is refused.
func TestCatalogKeyProbesReachTheProviderAPI(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	tests := []keyCheck{
		{id: "google-gemini", path: "/v1beta/models", header: "x-goog-api-key"},
		{id: "cohere", path: "/v1/models"},
		{id: "groq", path: "/openai/v1/models"},
		{id: "together-ai", path: "/v1/models"},
		{id: "perplexity", path: "/v1/async/sonar"},
		{id: "deepseek", path: "/models"},
		{id: "xai", path: "/v1/api-key"},
		{id: "huggingface", path: "/api/whoami-v2"},
		{id: "replicate", path: "/v1/account"},
		{id: "elevenlabs", path: "/v1/voices", header: "xi-api-key"},
		{id: "fireworks-ai", path: "/inference/v1/models"},
		{id: "pinecone", path: "/indexes", header: "Api-Key"},
		{id: "openrouter", path: "/api/v1/key"},
		{id: "sentry", path: "/api/0/organizations/"},
		{id: "datadog", path: "/api/v1/validate", header: "DD-API-KEY"},
		{id: "vercel", path: "/v2/user"},
		{id: "cloudflare", path: "/client/v4/user/tokens/verify"},
		{id: "circleci", path: "/api/v2/me", header: "Circle-Token"},
		{id: "coda", path: "/apis/v1/whoami"},
		{id: "calcom", path: "/v2/me"},
		{id: "contentful", path: "/users/me"},
		{id: "shortcut", path: "/api/v3/member", header: "Shortcut-Token"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			tmpl, ok := c.Get(tc.id)
			if !ok {
				t.Fatalf("catalog lacks %s", tc.id)
			}
			app, err := tmpl.NewApp(sampleInput(tmpl))
			if err != nil {
				t.Fatalf("NewApp: %v", err)
			}
			key := "key-for-" + tc.id
			if h := app.APIKey.FormatHint; h.Example != "" {
				key = h.Example
			}
			if err := app.APIKey.CheckKey(key); err != nil {
				t.Fatalf("the template's own example key is refused: %v", err)
			}
			srv := httptest.NewServer(keyedProvider(tc, key))
			t.Cleanup(srv.Close)
			base, err := url.Parse(app.APIKey.BaseURL)
			if err != nil {
				t.Fatalf("baseUrl: %v", err)
			}
			app.APIKey.BaseURL = srv.URL + base.Path // same base path, local host

			for _, send := range []struct {
				key  string
				want int
			}{{key, http.StatusOK}, {key + "-wrong", http.StatusUnauthorized}} {
				req, err := app.ProbeRequest(t.Context(), send.key, nil)
				if err != nil {
					t.Fatalf("ProbeRequest: %v", err)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != send.want {
					t.Errorf("probe %s %s answered %d, want %d", req.Method, req.URL.Path, resp.StatusCode, send.want)
				}
				if app.APIKey.Probe.Accepts(resp.StatusCode) != (send.want == http.StatusOK) {
					t.Errorf("status %d judged wrongly", resp.StatusCode)
				}
			}
		})
	}
}

// TestCatalogAddedTemplatesModelTheirQuirks checks that the settings the quirks describe are
// really in the templates, where a wrong value breaks a connection.
func TestCatalogAddedTemplatesModelTheirQuirks(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	get := func(t *testing.T, id string, vars map[string]string) App {
		t.Helper()
		tmpl, ok := c.Get(id)
		if !ok {
			t.Fatalf("catalog lacks %s", id)
		}
		in := sampleInput(tmpl)
		if vars != nil {
			in.Variables = vars
		}
		app, err := tmpl.NewApp(in)
		if err != nil {
			t.Fatalf("%s: NewApp: %v", id, err)
		}
		return app
	}
	const year = 365 * 86400
	tests := []struct {
		id    string
		vars  map[string]string
		check func(t *testing.T, a App)
	}{
		{"canva", nil, func(t *testing.T, a App) {
			if !a.PKCE || !a.Refresh.RotatesRefreshToken || a.TokenAuthStyle != TokenAuthHeader {
				t.Errorf("pkce %v rotates %v auth %q; Canva requires PKCE, Basic auth and single-use refresh tokens", a.PKCE, a.Refresh.RotatesRefreshToken, a.TokenAuthStyle)
			}
		}},
		{"miro", nil, func(t *testing.T, a App) {
			if !a.Refresh.RotatesRefreshToken {
				t.Error("Miro refresh tokens are single-use")
			}
		}},
		{"figma", nil, func(t *testing.T, a App) {
			if a.TokenURL != "https://api.figma.com/v1/oauth/token" || a.TokenAuthStyle != TokenAuthHeader || a.ScopeSep() != "," {
				t.Errorf("token %s auth %q sep %q", a.TokenURL, a.TokenAuthStyle, a.ScopeSep())
			}
		}},
		{"todoist", nil, func(t *testing.T, a App) {
			if a.ScopeSep() != "," || a.Refresh.FallbackLifetime().Seconds() != year {
				t.Errorf("sep %q fallback %v", a.ScopeSep(), a.Refresh.FallbackLifetime())
			}
		}},
		{"wrike", nil, func(t *testing.T, a App) {
			if a.ScopeSep() != "," || !slices.Contains(a.DefaultScopes, "wsReadOnly") {
				t.Errorf("sep %q defaults %v; without a scope Wrike grants read-write", a.ScopeSep(), a.DefaultScopes)
			}
		}},
		{"basecamp", nil, func(t *testing.T, a App) {
			if a.AuthorizationParams["type"] != "web_server" || a.TokenParams["type"] != "web_server" || a.PKCE {
				t.Errorf("type params %v %v pkce %v", a.AuthorizationParams, a.TokenParams, a.PKCE)
			}
		}},
		{"google-sheets", nil, func(t *testing.T, a App) {
			if a.AccessType != AccessTypeOffline || !slices.Contains(a.Prompt, PromptConsent) {
				t.Errorf("access type %q prompt %v; Google issues refresh tokens only offline", a.AccessType, a.Prompt)
			}
		}},
		{"microsoft-teams", map[string]string{}, func(t *testing.T, a App) {
			if !strings.Contains(a.TokenURL, "/organizations/") || !slices.Contains(a.DefaultScopes, "offline_access") {
				t.Errorf("token %s defaults %v; Teams is work and school only and needs offline_access", a.TokenURL, a.DefaultScopes)
			}
		}},
		{"microsoft-outlook", map[string]string{}, func(t *testing.T, a App) {
			if !strings.Contains(a.TokenURL, "/common/") {
				t.Errorf("token %s; Outlook also serves personal accounts", a.TokenURL)
			}
		}},
		{"egnyte", map[string]string{"domain": "acme"}, func(t *testing.T, a App) {
			if a.AuthorizationURL != "https://acme.egnyte.com/puboauth/token" || a.TokenURL != a.AuthorizationURL {
				t.Errorf("authorize %s token %s", a.AuthorizationURL, a.TokenURL)
			}
		}},
		{"smartsheet", map[string]string{"region": "eu"}, func(t *testing.T, a App) {
			if a.AuthorizationURL != "https://app.smartsheet.eu/b/authorize" || a.TokenURL != "https://api.smartsheet.eu/2.0/token" ||
				!slices.Equal(a.APIBaseURLs, []string{"https://api.smartsheet.eu/2.0"}) {
				t.Errorf("EU authorize %s token %s bases %v", a.AuthorizationURL, a.TokenURL, a.APIBaseURLs)
			}
		}},
		{"smartsheet", map[string]string{}, func(t *testing.T, a App) {
			if a.TokenURL != "https://api.smartsheet.com/2.0/token" {
				t.Errorf("default region token %s", a.TokenURL)
			}
		}},
		{"datadog", map[string]string{"site": "eu1"}, func(t *testing.T, a App) {
			if a.APIKey.BaseURL != "https://api.datadoghq.eu" || !slices.Equal(a.APIBaseURLs, []string{"https://api.datadoghq.eu/api"}) {
				t.Errorf("EU1 base %s bases %v", a.APIKey.BaseURL, a.APIBaseURLs)
			}
		}},
		{"sentry", map[string]string{"region": "de"}, func(t *testing.T, a App) {
			if a.APIKey.BaseURL != "https://de.sentry.io/api/0" {
				t.Errorf("EU base %s", a.APIKey.BaseURL)
			}
		}},
		{"contentful", map[string]string{"region": "eu"}, func(t *testing.T, a App) {
			if a.APIKey.BaseURL != "https://api.eu.contentful.com" || !slices.Contains(a.APIBaseURLs, "https://cdn.eu.contentful.com") {
				t.Errorf("EU base %s bases %v", a.APIKey.BaseURL, a.APIBaseURLs)
			}
		}},
		{"heroku", nil, func(t *testing.T, a App) {
			if a.APIHeaders["Accept"] != "application/vnd.heroku+json; version=3" {
				t.Errorf("api headers %v; the Platform API needs its version in Accept", a.APIHeaders)
			}
		}},
		{"wrike", nil, func(t *testing.T, a App) {
			if a.APIBaseURLFrom != "host" {
				t.Errorf("apiBaseUrlFrom %q; the token response names the account's data centre in host", a.APIBaseURLFrom)
			}
		}},
		{"webflow", nil, func(t *testing.T, a App) {
			if a.Refresh.FallbackLifetime().Seconds() != year {
				t.Errorf("fallback %v; Webflow tokens carry no expiry", a.Refresh.FallbackLifetime())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			tc.check(t, get(t, tc.id, tc.vars))
		})
	}
}

// TestCatalogRegionChoiceRefusesOthers: a region is picked from the choices, never typed in,
// so no value can point a template at another host.
func TestCatalogRegionChoiceRefusesOthers(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	for id, variable := range map[string]string{"smartsheet": "region", "datadog": "site", "sentry": "region", "contentful": "region"} {
		tmpl, _ := c.Get(id)
		in := sampleInput(tmpl)
		in.Variables = map[string]string{variable: "evil.example"}
		_, err := tmpl.NewApp(in)
		var inv *outbound.InvalidError
		if !errors.As(err, &inv) || !strings.Contains(err.Error(), "variables."+variable) {
			t.Errorf("%s: %s=evil.example gave %v, want a field error on variables.%s", id, variable, err, variable)
		}
	}
}

// TestCatalogAddedTemplatesAreComplete: every added template has its logo, categories,
// keywords, API bases and the sources its kind needs.
func TestCatalogAddedTemplatesAreComplete(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	ids := []string{
		"google-sheets", "microsoft-outlook", "microsoft-onedrive", "microsoft-teams", "microsoft-sharepoint",
		"calcom", "todoist", "coda", "smartsheet", "wrike", "figma", "miro", "canva", "webflow", "contentful",
		"basecamp", "egnyte", "webex", "shortcut", "supabase", "sentry", "datadog", "vercel", "netlify",
		"heroku", "digitalocean", "cloudflare", "circleci", "google-gemini", "cohere", "groq", "together-ai",
		"perplexity", "deepseek", "xai", "huggingface", "replicate", "elevenlabs", "fireworks-ai", "pinecone",
		"openrouter",
	}
	for _, id := range ids {
		tmpl, ok := c.Get(id)
		if !ok {
			t.Errorf("catalog lacks %s", id)
			continue
		}
		if err := tmpl.CheckComplete(); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if tmpl.Sources.Checked != "2026-12-07" {
			t.Errorf("%s: checked %q", id, tmpl.Sources.Checked)
		}
	}
}
