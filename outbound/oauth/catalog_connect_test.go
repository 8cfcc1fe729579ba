package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// offlineTransport answers no request: the catalog check runs without a network. It records
// the URLs asked for, so the test can prove a connect calls nothing but a discovery document.
type offlineTransport struct {
	mu    sync.Mutex
	asked []string
}

func (o *offlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	o.mu.Lock()
	o.asked = append(o.asked, req.URL.String())
	o.mu.Unlock()
	return nil, errors.New("offline: the catalog check makes no network calls")
}

// TestCatalogTemplatesRenderTheirAuthorizationURL creates an app from every oauth2 template
// with a sample client and its variables' sample values, and starts a consent through the
// vault, the code every real connect goes through: the URL must be the template's endpoint
// with the client id, the app's callback, the default scopes joined as the app says, PKCE when
// the template turns it on, and its extra parameters.
func TestCatalogTemplatesRenderTheirAuthorizationURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	entry, err := store.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := store.ParseKeyring(entry)
	if err != nil {
		t.Fatal(err)
	}
	net := &offlineTransport{}
	registry, err := apps.NewApps(apps.Options{
		Store: storetest.New(t), Keyring: kr, Clock: clock.NewFake(vaultEpoch), PublicURL: "https://auth.example.com",
		HTTPClient: &http.Client{Transport: net},
	})
	if err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, registry, VaultOptions{})
	catalog := registry.Catalog()
	n := 0
	for _, tmpl := range catalog.List() {
		if tmpl.Kind != apps.KindOAuth2 {
			continue
		}
		n++
		in := apps.TemplateInput{ClientID: "client-" + tmpl.ID, ClientSecret: outbound.NewSecret("s3cr3t-" + tmpl.ID), Variables: map[string]string{}}
		for _, vr := range tmpl.Variables {
			in.Variables[vr.Name] = sampleValue(vr)
		}
		app, err := registry.CreateFromTemplate(ctx, tmpl.ID, in)
		if err != nil {
			t.Errorf("%s: create: %v", tmpl.ID, err)
			continue
		}
		cr, err := v.Connect(ctx, ConnectRequest{AppID: app.ID, Owner: alice})
		if err != nil {
			t.Errorf("%s: connect: %v", tmpl.ID, err)
			continue
		}
		checkAuthorizationURL(t, app, cr.URL)
	}
	if n < 30 {
		t.Errorf("checked %d oauth2 templates, want the whole catalog's", n)
	}
	for _, u := range net.asked {
		if !strings.Contains(u, "/.well-known/") {
			t.Errorf("a connect called %s; only discovery documents may be fetched", u)
		}
	}
}

func sampleValue(v apps.Variable) string {
	switch {
	case v.Example != "":
		return v.Example
	case v.Default != "":
		return v.Default
	case len(v.Choices) > 0:
		return v.Choices[0].Value
	}
	return ""
}

func checkAuthorizationURL(t *testing.T, app apps.App, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Errorf("%s: authorization URL does not parse: %v", app.ID, err)
		return
	}
	q := u.Query()
	if got, want := u.Scheme+"://"+u.Host+u.Path, strings.SplitN(app.AuthorizationURL, "?", 2)[0]; got != want {
		t.Errorf("%s: endpoint %s, want %s", app.ID, got, want)
	}
	want := map[string]string{
		"response_type": "code",
		"client_id":     "client-" + app.ID,
		"redirect_uri":  "https://auth.example.com/v1/oauth/callback/" + app.ID,
	}
	if len(app.DefaultScopes) > 0 {
		want[app.ScopeParameter()] = strings.Join(app.DefaultScopes, app.ScopeSep())
	}
	for k, v := range app.AuthorizationParams {
		want[k] = v
	}
	if app.AccessType != "" {
		want["access_type"] = string(app.AccessType)
	}
	if len(app.Prompt) > 0 {
		want["prompt"] = strings.Join(app.Prompt, " ")
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", app.ID, k, got, v)
		}
	}
	if pkce := q.Get("code_challenge_method") == "S256" && len(q.Get("code_challenge")) == 43; pkce != app.PKCE {
		t.Errorf("%s: PKCE sent = %v, template says %v", app.ID, pkce, app.PKCE)
	}
	if strings.Contains(raw, "s3cr3t") {
		t.Errorf("%s: the client secret is in the authorization URL", app.ID)
	}
}
