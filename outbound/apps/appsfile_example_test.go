package apps_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// Apps as code: the file lives in git, the secrets come from the environment, and applying it
// twice changes nothing the second time.
func ExampleApps_Apply() {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	s, err := store.Open(ctx, store.Options{Logger: quiet}) // embedded Redis, for the example
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	keyring, _ := store.EphemeralKeyring()
	registry, err := apps.NewApps(apps.Options{Store: s, Keyring: keyring, Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}

	file := []byte(`apps:
  - template: google-contacts
    clientId: 1234.apps.googleusercontent.com
    clientSecretEnv: GOOGLE_CLIENT_SECRET
    overrides: {defaultScopes: [https://www.googleapis.com/auth/contacts.readonly]}
  - id: internal-crm
    kind: oauth2
    name: Internal CRM
    clientId: crm-client
    clientSecretEnv: CRM_SECRET
    authorizationUrl: https://crm.example.com/oauth/authorize
    tokenUrl: https://crm.example.com/oauth/token
`)
	env := map[string]string{"GOOGLE_CLIENT_SECRET": "GOCSPX-example", "CRM_SECRET": "crm-example"}
	specs, err := apps.ParseAppsFile("apps.yaml", file, func(k string) string { return env[k] })
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		rep, err := registry.Apply(ctx, specs)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("created %v, updated %v, unchanged %v\n", rep.Created, rep.Updated, rep.Unchanged)
	}

	_, err = apps.ParseAppsFile("apps.yaml", []byte("apps:\n  - template: github\n    clientSecret: hunter2\n"), nil)
	fmt.Println(err)
	// Output:
	// created [google-contacts internal-crm], updated [], unchanged []
	// created [], updated [], unchanged [google-contacts internal-crm]
	// apps.yaml:3:5: a literal clientSecret is not allowed in an apps file (it is meant for version control); put the secret in an environment variable and name it with clientSecretEnv
}
