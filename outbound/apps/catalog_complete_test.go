package apps

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// minTemplates is the least number of templates the catalog must hold.
const minTemplates = 42

var viewBox64 = regexp.MustCompile(`viewBox=["']0 0 64 64["']`)

func TestCatalogEveryTemplateIsComplete(t *testing.T) {
	t.Parallel()
	list := loadTestCatalog(t).List()
	if len(list) < minTemplates {
		t.Fatalf("catalog has %d templates, want at least %d", len(list), minTemplates)
	}
	for _, tmpl := range list {
		t.Run(tmpl.ID, func(t *testing.T) {
			if err := tmpl.CheckComplete(); err != nil {
				t.Fatalf("incomplete: %v", err)
			}
			svg, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(tmpl.Logo, "data:image/svg+xml;base64,"))
			if err != nil || !viewBox64.Match(svg) {
				t.Errorf("logo is not a 64x64 SVG data URI (%v)", err)
			}
			app, err := tmpl.NewApp(sampleInput(tmpl))
			if err != nil {
				t.Fatal(err)
			}
			if app.Logo != tmpl.Logo {
				t.Error("an app made from the template does not carry its logo")
			}
			if len(app.APIBaseURLs) == 0 {
				t.Error("an app made from the template has no apiBaseUrls")
			}
		})
	}
}

// TestCatalogRequiredQuirks holds the settings without which a provider's connections break.
func TestCatalogRequiredQuirks(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	for _, tmpl := range c.List() {
		if strings.HasPrefix(tmpl.AuthorizationURL, "https://accounts.google.com/") {
			if tmpl.AccessType != AccessTypeOffline || !slices.Contains(tmpl.Prompt, PromptConsent) {
				t.Errorf("%s: Google issues refresh tokens only with access_type=offline and prompt=consent", tmpl.ID)
			}
		}
	}
	get := func(id string) Template {
		tmpl, ok := c.Get(id)
		if !ok {
			t.Fatalf("no template %s", id)
		}
		return tmpl
	}
	checks := []struct {
		id, what string
		ok       func(Template) bool
	}{
		{"monday", "OAuth 2.1 token endpoint with PKCE", func(t Template) bool {
			return t.TokenURL == "https://auth.monday.com/oauth_ms/oauth/token" && t.PKCE && t.Refresh.FallbackLifetimeSeconds == 0
		}},
		{"calendly", "scopes requested and single-use refresh tokens", func(t Template) bool {
			return len(t.DefaultScopes) > 0 && t.Refresh.RotatesRefreshToken
		}},
		{"notion", "refresh tokens, a JSON token body and the Notion-Version header", func(t Template) bool {
			return t.Refresh.FallbackLifetimeSeconds == 0 && t.TokenBodyFormat == TokenBodyJSON && t.APIHeaders["Notion-Version"] != ""
		}},
		{"zendesk", "rotating refresh tokens on expiring tokens", func(t Template) bool {
			return t.Refresh.RotatesRefreshToken && t.TokenParams["expires_in"] != ""
		}},
		{"hubspot", "the date-versioned token endpoint and PKCE", func(t Template) bool {
			return !strings.Contains(t.TokenURL, "/oauth/v1/") && t.PKCE
		}},
		{"mailgun", "the v4 domains probe", func(t Template) bool { return t.APIKey.Probe.Path == "/v4/domains" }},
		{"shopify", "the token in X-Shopify-Access-Token", func(t Template) bool {
			return t.APIAuth != nil && t.APIAuth.Header == "X-Shopify-Access-Token" && t.APIAuth.Prefix == ""
		}},
		{"salesforce", "the connection's instance_url", func(t Template) bool { return t.APIBaseURLFrom == "instance_url" }},
		{"pipedrive", "the connection's api_domain", func(t Template) bool { return t.APIBaseURLFrom == "api_domain" }},
	}
	for _, ck := range checks {
		if !ck.ok(get(ck.id)) {
			t.Errorf("%s: want %s", ck.id, ck.what)
		}
	}
}

// TestCatalogRegionsAndInstancesAreVariables: hosts that differ per customer are variables,
// and every choice of a region yields a valid app on that region's hosts.
func TestCatalogRegionsAndInstancesAreVariables(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	want := map[string]string{
		"intercom": "region", "sendgrid": "region", "mailgun": "region", "zendesk": "subdomain",
		"salesforce": "myDomain", "microsoft-graph": "tenant", "shopify": "shop", "gitlab": "host",
	}
	for id, name := range want {
		tmpl, _ := c.Get(id)
		if !slices.ContainsFunc(tmpl.Variables, func(v Variable) bool { return v.Name == name }) {
			t.Errorf("%s: no variable %s", id, name)
		}
	}
	intercom, _ := c.Get("intercom")
	for _, choice := range intercom.Variables[0].Choices {
		in := sampleInput(intercom)
		in.Variables["region"] = choice.Value
		app, err := intercom.NewApp(in)
		if err != nil {
			t.Fatalf("intercom %s: %v", choice.Value, err)
		}
		if !strings.Contains(app.AuthorizationURL, choice.Set["app"]) || app.APIBaseURLs[0] != "https://"+choice.Set["api"] {
			t.Errorf("intercom %s: %s %v", choice.Value, app.AuthorizationURL, app.APIBaseURLs)
		}
	}
}

// TestCatalogAPIKeyProbesStayOnTheirBase builds every API-key template's probe request with a
// sample key: it must go to the key's base URL and carry the key as the template says.
func TestCatalogAPIKeyProbesStayOnTheirBase(t *testing.T) {
	t.Parallel()
	for _, tmpl := range loadTestCatalog(t).List() {
		if tmpl.Kind != KindAPIKey || tmpl.APIKey.Probe == nil {
			continue
		}
		app, err := tmpl.NewApp(sampleInput(tmpl))
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string]string{}
		for _, f := range app.APIKey.Fields {
			fields[f.Name] = "sample"
		}
		req, err := app.ProbeRequest(context.Background(), "sample-key-123", fields)
		if err != nil {
			t.Errorf("%s: %v", tmpl.ID, err)
			continue
		}
		if !app.APIBaseAllows(req.URL.String()) {
			t.Errorf("%s: probe %s is outside apiBaseUrls %v", tmpl.ID, req.URL.Redacted(), app.APIBaseURLs)
		}
	}
}

// TestCatalogConnectionBasesMatch: a connection's own API base, as the token response gives it,
// matches the template's bases.
func TestCatalogConnectionBasesMatch(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	for id, fromToken := range map[string]string{
		"pipedrive":  "https://acme.pipedrive.com",
		"salesforce": "https://acme.my.salesforce.com",
	} {
		tmpl, _ := c.Get(id)
		app, err := tmpl.NewApp(sampleInput(tmpl))
		if err != nil {
			t.Fatal(err)
		}
		if !app.APIBaseAllows(fromToken) || !app.APIBaseAllows(fromToken+"/v1/deals") {
			t.Errorf("%s: %s is not under %v", id, fromToken, app.APIBaseURLs)
		}
	}
}
