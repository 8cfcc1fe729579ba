package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/server"
)

// Demo app ids, as the example flows name them.
const (
	demoOAuthApp  = "sandbox-contacts"
	demoAPIKeyApp = "sandbox-ai"
)

// demoUser is who the landing page's "Try it" buttons start flows for.
const demoUser = "demo-user"

// demoFlows are the example flows the landing page offers, in order. The others in the folder
// (collect-openai-key needs the real OpenAI) are served but not offered.
var demoFlows = []string{"demo-tour", "connect-contacts", "contacts-or-connect", "collect-sandbox-key", "choose-plan"}

// startDemo mounts the sandbox OAuth provider under /sandbox/, creates (or updates) the demo apps
// that point at it, and turns on the landing page, so the example flows run end to end offline.
// It returns the handler to serve, and the API server within it.
func startDemo(ctx context.Context, b *backend, opts *server.Options, log *slog.Logger) (http.Handler, *server.Server, error) {
	issuer := opts.PublicURL + "/sandbox"
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	clientSecret := hex.EncodeToString(secret)
	provider, err := sandbox.New(sandbox.Config{Issuer: issuer, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: start the sandbox provider: %w", err)
	}
	app, err := putApp(ctx, b.apps, demoOAuthPatch(provider, clientSecret))
	if err != nil {
		return nil, nil, fmt.Errorf("demo: create app %s: %w", demoOAuthApp, err)
	}
	if err := provider.AddClient(sandbox.Client{
		ID: app.ClientID, Name: "Outflow demo", Secret: clientSecret,
		RedirectURIs: []string{app.CallbackURL(opts.PublicURL)},
	}); err != nil {
		return nil, nil, fmt.Errorf("demo: register the demo client: %w", err)
	}
	if _, err := putApp(ctx, b.apps, demoAPIKeyPatch(issuer)); err != nil {
		return nil, nil, fmt.Errorf("demo: create app %s: %w", demoAPIKeyApp, err)
	}
	opts.Demo = &server.Demo{
		UserID: demoUser,
		Flows:  demoFlows,
		Notes: []string{
			"SANDBOX OAuth provider: " + issuer + "/.well-known/openid-configuration (in memory, in this process)",
			"Sandbox AI keys are " + sandbox.APIKeyPrefix + " followed by at least 24 letters or digits, e.g. " + sandbox.APIKeyPrefix + "abcdefghijklmnopqrstuvwx",
		},
	}
	srv, err := server.New(*opts)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", srv.HostChecked(http.StripPrefix("/sandbox", provider.Handler())))
	mux.Handle("/", srv)
	log.Info("demo mode: a SANDBOX OAuth provider is mounted at /sandbox (not a real service); demo apps created",
		"oauthApp", demoOAuthApp, "apiKeyApp", demoAPIKeyApp, "sandbox", issuer)
	return mux, srv, nil
}

// putApp creates an app, or updates it when it exists (a demo restarted on a real Redis).
func putApp(ctx context.Context, registry *apps.Apps, p apps.AppPatch) (apps.App, error) {
	app, err := registry.Create(ctx, p)
	if errors.Is(err, apps.ErrAppExists) {
		id := *p.ID
		p.ID, p.Kind = nil, nil
		return registry.Update(ctx, id, p)
	}
	return app, err
}

// printDemoBanner tells a newcomer what to open and how to drive the API. It shows the
// management key only when it is the demo's public one: a key the operator set is theirs to know.
func printDemoBanner(env Env, base string, publicKey, withConsole bool) {
	key := "<a key of OUTFLOW_MANAGEMENT_KEYS>"
	if publicKey {
		key = demoManagementKey
	}
	consoleLine := ""
	if withConsole {
		consoleLine = "    Console             " + base + "/console/ (sign in with the management key)\n"
	}
	fmt.Fprintf(env.Stdout, `
  Outflow demo is running (SANDBOX: nothing here touches a real service)

    Open in a browser   %[1]s/
%[3]s    API description     %[1]s/v1/openapi.json
    Management key      %[2]s

  Start the demo tour for a user and get a one-time link, as a backend would:

    curl -s -X POST %[1]s/v1/flows/demo-tour/start \
      -H 'Authorization: Bearer %[2]s' -H 'Content-Type: application/json' \
      -d '{"userId":"ada"}'

`, base, key, consoleLine)
}

func demoOAuthPatch(p *sandbox.Provider, clientSecret string) apps.AppPatch {
	str := func(s string) *string { return &s }
	kind := apps.KindOAuth2
	secret := outbound.NewSecret(clientSecret)
	scopes := []apps.Scope{
		{Name: "openid", Description: "Know who you are at the sandbox provider"},
		{Name: "offline", Description: "Stay connected when you are away (refresh tokens)"},
		{Name: "contacts.read", Description: "See and download your sandbox contacts"},
		{Name: "contacts.write", Description: "Add and edit your sandbox contacts", Optional: true},
	}
	defaults := []string{"openid", "offline", "contacts.read"}
	return apps.AppPatch{
		ID: str(demoOAuthApp), Kind: &kind, Name: str("Sandbox Contacts"),
		Description:      str("A sandbox contacts service, served by Outflow itself in demo mode"),
		Logo:             str(svgLogo(contactsLogo)),
		ClientID:         str("outflow-demo"),
		ClientSecret:     &secret,
		AuthorizationURL: str(p.AuthURL()), TokenURL: str(p.TokenURL()), RevocationURL: str(p.RevocationURL()),
		Issuer:        str(p.Issuer()),
		Scopes:        &scopes,
		DefaultScopes: &defaults,
		APIBaseURLs:   &[]string{p.APIBaseURL()},
	}
}

func demoAPIKeyPatch(issuer string) apps.AppPatch {
	str := func(s string) *string { return &s }
	kind := apps.KindAPIKey
	return apps.AppPatch{
		ID: str(demoAPIKeyApp), Kind: &kind, Name: str("Sandbox AI"),
		Description: str("A sandbox AI service that takes an API key, served by Outflow itself in demo mode"),
		Logo:        str(svgLogo(aiLogo)),
		APIKey: &apps.APIKeyPatch{
			Label:      str("Sandbox AI API key"),
			FormatHint: &apps.FormatHintPatch{Prefix: str("sk-sandbox-"), Example: str("sk-sandbox-" + "abcdefghijklmnopqrstuvwxyz")},
			BaseURL:    str(issuer),
			Probe:      &apps.ProbePatch{Path: str("/api/keys/check")},
		},
	}
}

// Logos of the demo apps, shown on their screens and buttons.
const (
	contactsLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0e9384"/>` +
		`<circle cx="32" cy="25" r="10" fill="#fff"/><path d="M14 52c2-10 9.5-15 18-15s16 5 18 15z" fill="#fff"/></svg>`
	aiLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#6941c6"/>` +
		`<path d="M32 11l5.5 15.5L53 32l-15.5 5.5L32 53l-5.5-15.5L11 32l15.5-5.5z" fill="#fff"/></svg>`
)

func svgLogo(svg string) string {
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}
