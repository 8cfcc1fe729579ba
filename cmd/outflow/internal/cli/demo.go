package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/server"
)

// Demo app ids, as the example flows name them.
const (
	demoOAuthApp  = "sandbox-contacts"
	demoAPIKeyApp = "sandbox-ai"
)

// startDemo mounts the sandbox OAuth provider under /sandbox/ and creates the demo apps that point
// at it, so the example flows run end to end offline. It returns the handler to serve.
func startDemo(ctx context.Context, b *backend, opts *server.Options, log *slog.Logger) (http.Handler, error) {
	issuer := opts.PublicURL + "/sandbox"
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	clientSecret := hex.EncodeToString(secret)
	provider, err := sandbox.New(sandbox.Config{Issuer: issuer, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("demo: start the sandbox provider: %w", err)
	}
	app, err := b.apps.Create(ctx, demoOAuthPatch(provider, clientSecret))
	if err != nil {
		return nil, fmt.Errorf("demo: create app %s: %w", demoOAuthApp, err)
	}
	if err := provider.AddClient(sandbox.Client{
		ID: app.ClientID, Name: "Outflow demo", Secret: clientSecret,
		RedirectURIs: []string{app.CallbackURL(opts.PublicURL)},
	}); err != nil {
		return nil, fmt.Errorf("demo: register the demo client: %w", err)
	}
	if _, err := b.apps.Create(ctx, demoAPIKeyPatch(issuer)); err != nil {
		return nil, fmt.Errorf("demo: create app %s: %w", demoAPIKeyApp, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", provider.Handler()))
	mux.Handle("/", server.New(*opts))
	log.Info("demo mode: a SANDBOX OAuth provider is mounted at /sandbox (not a real service); demo apps created",
		"oauthApp", demoOAuthApp, "apiKeyApp", demoAPIKeyApp, "sandbox", issuer)
	return mux, nil
}

func demoOAuthPatch(p *sandbox.Provider, clientSecret string) outbound.AppPatch {
	str := func(s string) *string { return &s }
	kind := outbound.KindOAuth2
	secret := outbound.NewSecret(clientSecret)
	scopes := []outbound.Scope{
		{Name: "openid", Description: "Know who you are at the sandbox provider"},
		{Name: "offline", Description: "Stay connected when you are away (refresh tokens)"},
		{Name: "contacts.read", Description: "See and download your sandbox contacts"},
		{Name: "contacts.write", Description: "Add and edit your sandbox contacts", Optional: true},
	}
	defaults := []string{"openid", "offline", "contacts.read"}
	return outbound.AppPatch{
		ID: str(demoOAuthApp), Kind: &kind, Name: str("Sandbox Contacts"),
		Description:      str("A sandbox contacts service, served by Outflow itself in demo mode"),
		ClientID:         str("outflow-demo"),
		ClientSecret:     &secret,
		AuthorizationURL: str(p.AuthURL()), TokenURL: str(p.TokenURL()), RevocationURL: str(p.RevocationURL()),
		Issuer:        str(p.Issuer()),
		Scopes:        &scopes,
		DefaultScopes: &defaults,
	}
}

func demoAPIKeyPatch(issuer string) outbound.AppPatch {
	str := func(s string) *string { return &s }
	kind := outbound.KindAPIKey
	return outbound.AppPatch{
		ID: str(demoAPIKeyApp), Kind: &kind, Name: str("Sandbox AI"),
		Description: str("A sandbox AI service that takes an API key, served by Outflow itself in demo mode"),
		APIKey: &outbound.APIKeyPatch{
			Label:      str("Sandbox AI API key"),
			FormatHint: &outbound.FormatHintPatch{Prefix: str("sk-sandbox-"), Example: str("sk-sandbox-" + "abcdefghijklmnopqrstuvwxyz")},
			BaseURL:    str(issuer),
			Probe:      &outbound.ProbePatch{Path: str("/api/keys/check")},
		},
	}
}
