package server

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 document of every route, served at GET /v1/openapi.json. A test
// fails when a route the server registers is missing from it.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document that describes the server's routes.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPI)
}
