package oauth_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Creating Google Contacts from the catalog needs only the client id and secret; the
// template supplies the endpoints, scopes and Google's quirks.
func ExampleTemplate_NewApp() {
	catalog, err := apps.LoadCatalog()
	if err != nil {
		log.Fatal(err)
	}
	tmpl, _ := catalog.Get("google-contacts")
	app, err := tmpl.NewApp(apps.TemplateInput{
		ClientID:     "1234.apps.googleusercontent.com",
		ClientSecret: outbound.NewSecret("GOCSPX-example"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(app.ID, app.Kind, "pkce:", app.PKCE)
	fmt.Println(app.AuthorizationURL)
	fmt.Println(app.TokenURL)
	for _, s := range app.Scopes {
		fmt.Printf("%s (%s)\n", s.Name, s.Description)
	}
	fmt.Println("default:", app.DefaultScopes)
	fmt.Println("register:", app.CallbackURL("https://auth.example.com"))
	fmt.Println("secret:", app.ClientSecret)
	// Output:
	// google-contacts oauth2 pkce: true
	// https://accounts.google.com/o/oauth2/v2/auth
	// https://oauth2.googleapis.com/token
	// https://www.googleapis.com/auth/contacts (See, edit, download, and permanently delete your contacts)
	// https://www.googleapis.com/auth/contacts.readonly (See and download your contacts)
	// default: [https://www.googleapis.com/auth/contacts]
	// register: https://auth.example.com/v1/oauth/callback/google-contacts
	// secret: REDACTED
}

// A template whose URLs depend on the customer reports a missing variable as a field error.
func ExampleTemplate_NewApp_variables() {
	catalog, _ := apps.LoadCatalog()
	tmpl, _ := catalog.Get("zendesk")
	in := apps.TemplateInput{ClientID: "outflow", ClientSecret: outbound.NewSecret("s")}
	_, err := tmpl.NewApp(in)
	var invalid *outbound.InvalidError
	if errors.As(err, &invalid) {
		for _, f := range invalid.Fields {
			fmt.Println(f.Field+":", f.Message)
		}
	}
	in.Variables = map[string]string{"subdomain": "acme"}
	app, _ := tmpl.NewApp(in)
	fmt.Println(app.AuthorizationURL)
	// Output:
	// variables.subdomain: required: Zendesk subdomain, for example acme
	// https://acme.zendesk.com/oauth/authorizations/new
}

// Changing an app's id is refused; an absent client secret keeps the stored one.
func ExampleAppPatch_Apply() {
	catalog, _ := apps.LoadCatalog()
	tmpl, _ := catalog.Get("github")
	app, _ := tmpl.NewApp(apps.TemplateInput{ClientID: "Iv1.abc", ClientSecret: outbound.NewSecret("s")})

	newID := "github-2"
	_, err := apps.AppPatch{ID: &newID}.Apply(app)
	fmt.Println(err)

	name := "GitHub (engineering)"
	app, _ = apps.AppPatch{Name: &name}.Apply(app)
	fmt.Println(app.Name, "secret kept:", !app.ClientSecret.IsZero())
	// Output:
	// apps: invalid app: id: cannot be changed after creation; create a new app instead
	// GitHub (engineering) secret kept: true
}
