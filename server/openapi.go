package server

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPI is the OpenAPI 3.1 document of every route, served at GET /v1/openapi.json. A test
// fails when a route the server registers is missing from it.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document that describes the server's routes.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// openAPIFor is the document a server under base path serves: its servers entry is base (the
// document's own is "/").
func openAPIFor(base string) []byte {
	if base == "" {
		return openAPI
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		return openAPI
	}
	servers, _ := json.Marshal([]map[string]string{{"url": base}})
	doc["servers"] = servers
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return openAPI
	}
	return out
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.openAPI)
}
