//go:build fosite

package fositepeer

import (
	"net/http"
	"slices"
	"strings"
)

// ContactsScope is the scope GET /api/contacts needs.
const ContactsScope = "contacts.read"

// APIBaseURL returns the base of the peer's protected API, as an app's apiBaseUrls lists it.
func (p *Provider) APIBaseURL() string { return p.Issuer() + "/api" }

// ContactsURL returns the protected contacts endpoint.
func (p *Provider) ContactsURL() string { return p.Issuer() + "/api/contacts" }

// peerContacts is the address book every owner of a valid token sees.
var peerContacts = []map[string]string{
	{"name": "Ada Lovelace", "email": "ada@example.com"},
	{"name": "Grace Hopper", "email": "grace@example.com"},
	{"name": "Alan Turing", "email": "alan@example.com"},
}

// serveContacts answers an active access token granted contacts.read with the address book, as
// a resource server that asks fosite about each token would: 401 for a missing, unknown,
// expired or revoked token, 403 for a token without the scope.
func (p *Provider) serveContacts(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="fosite-peer"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request"})
		return
	}
	active, scopes, err := p.Introspect(r.Context(), token)
	switch {
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
	case !active:
		w.Header().Set("WWW-Authenticate", `Bearer realm="fosite-peer", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
	case !slices.Contains(scopes, ContactsScope):
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"contacts": peerContacts})
	}
}
