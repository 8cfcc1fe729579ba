package sandbox_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
)

// A host mounts the sandbox under a path of its own server and points an OAuth app at it.
func ExampleNew() {
	p, err := sandbox.New(
		sandbox.Config{Issuer: "http://127.0.0.1:8080/sandbox"},
		sandbox.Client{
			ID:           "demo-contacts",
			Name:         "Demo Contacts",
			Secret:       "demo-secret",
			RedirectURIs: []string{"http://127.0.0.1:8080/oauth/callback"},
			Scopes:       []string{"openid", "offline", "contacts.read"},
		},
	)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", p.Handler()))

	fmt.Println(p.AuthURL())
	fmt.Println(p.TokenURL())
	fmt.Println(p.RevocationURL())
	// Output:
	// http://127.0.0.1:8080/sandbox/oauth2/auth
	// http://127.0.0.1:8080/sandbox/oauth2/token
	// http://127.0.0.1:8080/sandbox/oauth2/revoke
}
