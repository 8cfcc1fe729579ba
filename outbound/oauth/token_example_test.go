package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/store"
)

// A backend service fetches a user's Google Contacts token at request time. Asking for a scope
// the user never granted gives a MissingScopesError that says what to connect for.
func ExampleVault_Fetch() {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	s, err := store.Open(ctx, store.Options{Logger: quiet}) // embedded Redis, for the example
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	keyring, _ := store.EphemeralKeyring()
	registry, _ := apps.NewApps(apps.Options{Store: s, Keyring: keyring, Logger: quiet})
	if _, err := registry.CreateFromTemplate(ctx, "google-contacts", apps.TemplateInput{
		ClientID: "1234.apps.googleusercontent.com", ClientSecret: outbound.NewSecret("GOCSPX-example"),
	}); err != nil {
		log.Fatal(err)
	}
	vault, err := oauth.NewVault(registry, oauth.VaultOptions{})
	if err != nil {
		log.Fatal(err)
	}
	registry.OnDelete(vault.DeleteAppConnections) // deleting an app deletes its connections

	alice := outbound.Owner{UserID: "alice"}
	readonly := "https://www.googleapis.com/auth/contacts.readonly"
	// A token obtained before Outflow (a consent through Connect stores one the same way).
	if _, err := vault.Import(ctx, oauth.ImportRequest{
		AppID: "google-contacts", Owner: alice, AccessToken: "ya29.example-token",
		ExpiresAt: time.Now().Add(time.Hour), Scopes: []string{readonly},
	}); err != nil {
		log.Fatal(err)
	}

	tok, conn, err := vault.Fetch(ctx, oauth.FetchRequest{AppID: "google-contacts", Owner: alice, Scopes: []string{readonly}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken, conn.Status)
	fmt.Println("refresh token included:", tok.RefreshToken != "")

	_, _, err = vault.Fetch(ctx, oauth.FetchRequest{AppID: "google-contacts", Owner: alice,
		Scopes: []string{"https://www.googleapis.com/auth/contacts"}})
	var missing *oauth.MissingScopesError
	if errors.As(err, &missing) {
		fmt.Println("missing:", missing.Missing)
		fmt.Println("connect for:", len(missing.Connect.Scopes), "scopes")
	}
	// Output:
	// ya29.example-token active
	// refresh token included: false
	// missing: [https://www.googleapis.com/auth/contacts]
	// connect for: 2 scopes
}
