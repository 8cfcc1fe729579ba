package apps

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// newFromCatalog creates an app from a catalog template with the given variables and sample
// client credentials.
func newFromCatalog(t *testing.T, c *Catalog, id string, vars map[string]string) App {
	t.Helper()
	tmpl, ok := c.Get(id)
	if !ok {
		t.Fatalf("%s missing from the catalog", id)
	}
	in := TemplateInput{Variables: vars}
	if tmpl.Kind == KindOAuth2 {
		in.ClientID, in.ClientSecret = "client-123", outbound.NewSecret("shh-client-secret")
	}
	app, err := tmpl.NewApp(in)
	if err != nil {
		t.Fatalf("%s: NewApp(%v): %v", id, vars, err)
	}
	return app
}

// A region, data centre, shard or instance picked on a template fills every host the app
// uses: the authorization and token endpoints, the API bases and, for API-key apps, the
// probe's base URL.
func TestCatalogRegionsAndInstancesFillEveryHost(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	cases := []struct {
		id        string
		vars      map[string]string
		authorize string
		token     string
		keyBase   string
		apiBases  []string
	}{
		{id: "zoho-crm", vars: map[string]string{"region": "eu"},
			authorize: "https://accounts.zoho.eu/oauth/v2/auth", token: "https://accounts.zoho.eu/oauth/v2/token",
			apiBases: []string{"https://www.zohoapis.eu"}},
		{id: "zoho-crm", vars: nil,
			authorize: "https://accounts.zoho.com/oauth/v2/auth", token: "https://accounts.zoho.com/oauth/v2/token",
			apiBases: []string{"https://www.zohoapis.com"}},
		{id: "zoho-crm", vars: map[string]string{"region": "au"},
			authorize: "https://accounts.zoho.com.au/oauth/v2/auth", token: "https://accounts.zoho.com.au/oauth/v2/token",
			apiBases: []string{"https://www.zohoapis.com.au"}},
		{id: "gorgias", vars: map[string]string{"subdomain": "acme"},
			authorize: "https://acme.gorgias.com/oauth/authorize", token: "https://acme.gorgias.com/oauth/token",
			apiBases: []string{"https://acme.gorgias.com/api"}},
		{id: "servicenow", vars: map[string]string{"instance": "acmedev"},
			authorize: "https://acmedev.service-now.com/oauth_auth.do", token: "https://acmedev.service-now.com/oauth_token.do",
			apiBases: []string{"https://acmedev.service-now.com/api"}},
		{id: "microsoft-dynamics-365", vars: map[string]string{"tenant": "contoso.onmicrosoft.com", "environment": "contoso.crm4.dynamics.com"},
			authorize: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
			token:     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
			apiBases:  []string{"https://contoso.crm4.dynamics.com/api/data/v9.2"}},
		{id: "netsuite", vars: map[string]string{"accountId": "1234567-sb1"},
			authorize: "https://1234567-sb1.app.netsuite.com/app/login/oauth2/authorize.nl",
			token:     "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
			apiBases:  []string{"https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"}},
		{id: "adobe-acrobat-sign", vars: map[string]string{"shard": "eu1"},
			authorize: "https://secure.eu1.adobesign.com/public/oauth/v2", token: "https://api.eu1.adobesign.com/oauth/v2/token",
			apiBases: []string{"https://api.eu1.adobesign.com"}},
		{id: "square", vars: map[string]string{"environment": "sandbox"},
			authorize: "https://connect.squareupsandbox.com/oauth2/authorize", token: "https://connect.squareupsandbox.com/oauth2/token",
			apiBases: []string{"https://connect.squareupsandbox.com/v2"}},
		{id: "gusto", vars: map[string]string{"environment": "demo"},
			authorize: "https://api.gusto-demo.com/oauth/authorize", token: "https://api.gusto-demo.com/oauth/token",
			apiBases: []string{"https://api.gusto-demo.com"}},
		{id: "freshdesk", vars: map[string]string{"subdomain": "acme"},
			keyBase: "https://acme.freshdesk.com", apiBases: []string{"https://acme.freshdesk.com/api/v2"}},
		{id: "customer-io", vars: map[string]string{"region": "eu"},
			keyBase: "https://api-eu.customer.io", apiBases: []string{"https://api-eu.customer.io/v1"}},
		{id: "braze", vars: map[string]string{"instance": "eu-02"},
			keyBase: "https://rest.fra-02.braze.eu", apiBases: []string{"https://rest.fra-02.braze.eu"}},
		{id: "braze", vars: nil,
			keyBase: "https://rest.iad-01.braze.com", apiBases: []string{"https://rest.iad-01.braze.com"}},
		{id: "mixpanel", vars: map[string]string{"region": "eu"},
			keyBase: "https://eu.mixpanel.com", apiBases: []string{"https://eu.mixpanel.com/api"}},
		{id: "paddle", vars: map[string]string{"environment": "sandbox"},
			keyBase: "https://sandbox-api.paddle.com", apiBases: []string{"https://sandbox-api.paddle.com"}},
		{id: "activecampaign", vars: map[string]string{"account": "acme"},
			keyBase: "https://acme.api-us1.com", apiBases: []string{"https://acme.api-us1.com/api/3"}},
		{id: "bamboohr", vars: map[string]string{"subdomain": "acme"},
			keyBase: "https://api.bamboohr.com/api/gateway.php/acme", apiBases: []string{"https://api.bamboohr.com/api/gateway.php/acme/v1"}},
		{id: "woocommerce", vars: map[string]string{"storeHost": "shop.example.com"},
			keyBase: "https://shop.example.com", apiBases: []string{"https://shop.example.com/wp-json/wc/v3"}},
		{id: "bigcommerce", vars: map[string]string{"storeHash": "hpj4hvw2bb"},
			keyBase: "https://api.bigcommerce.com/stores/hpj4hvw2bb", apiBases: []string{"https://api.bigcommerce.com/stores/hpj4hvw2bb"}},
		{id: "chargebee", vars: map[string]string{"site": "acme-test"},
			keyBase: "https://acme-test.chargebee.com", apiBases: []string{"https://acme-test.chargebee.com/api/v2"}},
	}
	for _, tc := range cases {
		app := newFromCatalog(t, c, tc.id, tc.vars)
		if app.AuthorizationURL != tc.authorize || app.TokenURL != tc.token {
			t.Errorf("%s %v: endpoints %s, %s; want %s, %s", tc.id, tc.vars, app.AuthorizationURL, app.TokenURL, tc.authorize, tc.token)
		}
		if tc.keyBase != "" && (app.APIKey == nil || app.APIKey.BaseURL != tc.keyBase) {
			t.Errorf("%s %v: apiKey.baseUrl %v, want %s", tc.id, tc.vars, app.APIKey, tc.keyBase)
		}
		if !slices.Equal(app.APIBaseURLs, tc.apiBases) {
			t.Errorf("%s %v: apiBaseUrls %v, want %v", tc.id, tc.vars, app.APIBaseURLs, tc.apiBases)
		}
	}
}

// A value outside a variable's choices or pattern is refused as a field error naming the
// variable, before any URL is built from it.
func TestCatalogRegionOutsideTheChoicesIsRefused(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	for _, tc := range []struct{ id, name, value string }{
		{"zoho-crm", "region", "mars"},
		{"braze", "instance", "us-99"},
		{"customer-io", "region", "evil.example.com"},
		{"adobe-acrobat-sign", "shard", "evil.example.com"},
		{"microsoft-dynamics-365", "environment", "evil.example.com"},
		{"netsuite", "accountId", "a/b"},
	} {
		tmpl, _ := c.Get(tc.id)
		in := sampleInput(tmpl)
		in.Variables[tc.name] = tc.value
		_, err := tmpl.NewApp(in)
		if err == nil || !strings.Contains(err.Error(), "variables."+tc.name) {
			t.Errorf("%s: %s=%q: err %v, want a variables.%s error", tc.id, tc.name, tc.value, err, tc.name)
		}
	}
}

// The refresh behaviour, token authentication and API quirks the new templates' notes describe
// are modelled in their settings, not only written down.
func TestCatalogNewTemplatesModelTheirQuirks(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	get := func(id string) App {
		tmpl, _ := c.Get(id)
		return newFromCatalog(t, c, id, sampleInput(tmpl).Variables)
	}
	for _, id := range []string{"pagerduty", "close", "deel", "ringcentral", "sage-accounting", "freshbooks", "gusto", "microsoft-dynamics-365"} {
		if !get(id).Refresh.RotatesRefreshToken {
			t.Errorf("%s: refresh tokens rotate, the template says they do not", id)
		}
	}
	for _, id := range []string{"square", "zoho-crm", "pandadoc", "front"} {
		if get(id).Refresh.RotatesRefreshToken {
			t.Errorf("%s: refresh tokens do not always rotate, the template says they do", id)
		}
	}
	// Providers whose tokens carry no expires_in get a lifetime that refreshes (or reconnects)
	// in time: an hour for Front's one-hour tokens, under 30 days for Square's, long for the
	// permanent tokens of Attio, Copper, Aircall and SurveyMonkey.
	if got := get("front").Refresh.FallbackLifetime(); got != time.Hour {
		t.Errorf("front fallback lifetime %v, want 1h", got)
	}
	if got := get("square").Refresh.FallbackLifetime(); got >= 30*24*time.Hour {
		t.Errorf("square fallback lifetime %v, want less than the 30-day token life", got)
	}
	for _, id := range []string{"attio", "copper", "aircall", "surveymonkey"} {
		if got := get(id).Refresh.FallbackLifetime(); got < 180*24*time.Hour {
			t.Errorf("%s: permanent tokens but a fallback lifetime of %v", id, got)
		}
	}
	for _, id := range []string{"front", "gorgias", "deel", "ringcentral", "ramp", "gong", "netsuite", "klaviyo", "constant-contact"} {
		if a := get(id); a.TokenAuthStyle != TokenAuthHeader {
			t.Errorf("%s: token endpoint wants HTTP Basic, tokenAuthStyle is %q", id, a.TokenAuthStyle)
		}
	}
	for _, id := range []string{"klaviyo", "netsuite", "pagerduty"} {
		if !get(id).PKCE {
			t.Errorf("%s: PKCE is supported (Klaviyo requires it) but off", id)
		}
	}
	z := get("zoho-crm")
	if z.ScopeSep() != "," || z.AccessType != AccessTypeOffline || !slices.Contains(z.Prompt, PromptConsent) ||
		z.APIBaseURLFrom != "api_domain" || z.APIAuth == nil || z.APIAuth.Prefix != "Zoho-oauthtoken " {
		t.Errorf("zoho-crm: sep %q access %q prompt %v from %q auth %+v", z.ScopeSep(), z.AccessType, z.Prompt, z.APIBaseURLFrom, z.APIAuth)
	}
	for id, from := range map[string]string{"gong": "api_base_url_for_customer", "surveymonkey": "access_url", "adobe-acrobat-sign": "api_access_point"} {
		if a := get(id); a.APIBaseURLFrom != from {
			t.Errorf("%s: apiBaseUrlFrom %q, want %q", id, a.APIBaseURLFrom, from)
		}
	}
	if a := get("sage-accounting"); a.AuthorizationParams["filter"] != "apiv3.1" {
		t.Errorf("sage-accounting authorization params %v", a.AuthorizationParams)
	}
	if a := get("pagerduty"); a.APIHeaders["Accept"] != "application/vnd.pagerduty+json;version=2" {
		t.Errorf("pagerduty API headers %v", a.APIHeaders)
	}
	if a := get("klaviyo"); a.APIHeaders["revision"] == "" {
		t.Errorf("klaviyo API headers %v lack revision", a.APIHeaders)
	}
}

// Each API-key template's probe sends the key where the provider's documentation says, with
// the headers it requires.
func TestCatalogNewAPIKeyProbesPlaceTheKey(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	const key = "key-for-probe-test"
	basic := func(user, pass string) string {
		r, _ := http.NewRequest(http.MethodGet, "https://example.com", nil)
		r.SetBasicAuth(user, pass)
		return r.Header.Get("Authorization")
	}
	cases := []struct {
		id     string
		fields map[string]string
		header string
		want   string
		path   string
		extra  map[string]string
	}{
		{id: "activecampaign", header: "Api-Token", want: key, path: "/api/3/users/me"},
		{id: "brevo", header: "Api-Key", want: key, path: "/v3/account"},
		{id: "bigcommerce", header: "X-Auth-Token", want: key, path: "/stores/hpj4hvw2bb/v2/store"},
		{id: "customer-io", header: "Authorization", want: "Bearer " + key, path: "/v1/segments"},
		{id: "braze", header: "Authorization", want: "Bearer " + key, path: "/campaigns/list"},
		{id: "paddle", header: "Authorization", want: "Bearer " + key, path: "/event-types", extra: map[string]string{"Paddle-Version": "1"}},
		{id: "freshdesk", header: "Authorization", want: basic(key, "X"), path: "/api/v2/agents/me"},
		{id: "chargebee", header: "Authorization", want: basic(key, ""), path: "/api/v2/customers"},
		{id: "bamboohr", header: "Authorization", want: basic(key, "x"), path: "/api/gateway.php/acme/v1/meta/fields"},
		{id: "recurly", header: "Authorization", want: basic(key, ""), path: "/accounts",
			extra: map[string]string{"Accept": "application/vnd.recurly.v2021-02-25"}},
		{id: "mixpanel", fields: map[string]string{"username": "sa_1.mp-service-account"}, header: "Authorization",
			want: basic("sa_1.mp-service-account", key), path: "/api/app/me"},
		{id: "woocommerce", fields: map[string]string{"consumerKey": "ck_0123"}, header: "Authorization",
			want: basic("ck_0123", key), path: "/wp-json/wc/v3/customers"},
	}
	for _, tc := range cases {
		tmpl, _ := c.Get(tc.id)
		app := newFromCatalog(t, c, tc.id, sampleInput(tmpl).Variables)
		req, err := app.ProbeRequest(t.Context(), key, tc.fields)
		if err != nil {
			t.Errorf("%s: ProbeRequest: %v", tc.id, err)
			continue
		}
		if got := req.Header.Get(tc.header); got != tc.want {
			t.Errorf("%s: %s header %q, want %q", tc.id, tc.header, got, tc.want)
		}
		if req.URL.Path != tc.path {
			t.Errorf("%s: probe path %s, want %s", tc.id, req.URL.Path, tc.path)
		}
		for h, v := range tc.extra {
			if got := req.Header.Get(h); got != v {
				t.Errorf("%s: %s header %q, want %q", tc.id, h, got, v)
			}
		}
		if strings.Contains(req.URL.RawQuery, key) {
			t.Errorf("%s: the key leaked into the query %q", tc.id, req.URL.RawQuery)
		}
	}
}
