package proxy

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// Every API base of every catalog template is one the proxy reads, once its variables are
// filled: a template whose base the proxy could not match would send nothing.
func TestEveryCatalogBaseParses(t *testing.T) {
	t.Parallel()
	cat, err := apps.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	variable := regexp.MustCompile(`\{[A-Za-z][A-Za-z0-9_.]*\}`)
	n := 0
	for _, tpl := range cat.List() {
		for _, raw := range tpl.APIBaseURLs {
			filled := variable.ReplaceAllString(raw, "acme")
			b, ok := apps.ParseAPIBase(filled)
			if !ok || (b.Wildcard() && tpl.APIBaseURLFrom == "") {
				t.Errorf("%s: apiBaseUrls %q does not parse as a base the proxy can use", tpl.ID, raw)
			}
			n++
		}
	}
	if n < 30 {
		t.Errorf("only %d API bases in the catalog", n)
	}
}

// An app made from the Pipedrive template sends its token to the company host the token
// response names (api_domain), and nowhere else under the wildcard.
func TestPipedriveTemplateUsesTheConnectionsDomain(t *testing.T) {
	t.Parallel()
	f := setup(t, http.HandlerFunc(echo))
	ctx := context.Background()
	if _, err := f.apps.CreateFromTemplate(ctx, "pipedrive", apps.TemplateInput{ID: "pd", ClientID: "c", ClientSecret: outboundSecret("s"),
		Overrides: apps.AppPatch{TokenURL: ptr(f.provider.srv.URL + "/token")}}); err != nil {
		t.Fatal(err)
	}
	f.provider.extra = map[string]any{"api_domain": "https://acme.pipedrive.com"}
	if _, err := f.vault.Import(ctx, importExpired("pd", f.provider.mint("rt"), f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	s := &session{p: f.proxy, t: Target{AppID: "pd", UserID: "alice"}}
	if err := s.load(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := s.credential(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.bases) != 1 || c.bases[0].String() != "https://acme.pipedrive.com" {
		t.Errorf("bases %v; want https://acme.pipedrive.com", c.bases)
	}
}

func outboundSecret(s string) outbound.Secret { return outbound.NewSecret(s) }

// importExpired is a grant of alice for app whose access token has expired, so the first use
// refreshes it.
func importExpired(app, refreshToken string, now time.Time) oauth.ImportRequest {
	return oauth.ImportRequest{AppID: app, Owner: alice, AccessToken: "at-old", RefreshToken: refreshToken, ExpiresAt: now.Add(-time.Minute)}
}
