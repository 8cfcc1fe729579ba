package sandbox

import (
	"net/http"
	"slices"
)

// ContactsScope is the scope GET /api/contacts needs.
const ContactsScope = "contacts.read"

// Contact is one entry of the signed-in sandbox user's address book.
type Contact struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// sampleContacts is every sandbox user's address book: fixed, so a demo and its tests know what
// they will see.
var sampleContacts = []Contact{
	{ID: "c1", Name: "Ada Lovelace", Email: "ada@sandbox.example"},
	{ID: "c2", Name: "Grace Hopper", Email: "grace@sandbox.example"},
	{ID: "c3", Name: "Alan Turing", Email: "alan@sandbox.example"},
}

// contactList is the body of GET /api/contacts.
type contactList struct {
	Subject  string    `json:"owner"`
	Contacts []Contact `json:"contacts"`
}

// ContactsURL returns the protected resource that lists the token owner's contacts.
func (p *Provider) ContactsURL() string { return p.endpoint("/api/contacts") }

// APIBaseURL returns the base of the provider's protected API (the parent of /api/me and
// /api/contacts), as an app's apiBaseUrls lists it.
func (p *Provider) APIBaseURL() string { return p.endpoint("/api") }

// serveContacts lists the address book of the access token's owner. It answers 401 to a
// missing, unknown, expired or revoked token and 403 insufficient_scope to a token granted
// without contacts.read, as RFC 6750 describes.
func (p *Provider) serveContacts(w http.ResponseWriter, r *http.Request) {
	token, ok := bearerToken(r)
	if !ok {
		writeUnauthorized(w, "", oauthError{Error: "invalid_request", Description: "Send an access token as Authorization: Bearer <token>."})
		return
	}
	info, ok := p.introspect(token)
	if !ok || info.use != accessToken {
		writeUnauthorized(w, "invalid_token", oauthError{Error: "invalid_token", Description: "The access token is unknown, expired or revoked."})
		return
	}
	if !slices.Contains(info.scopes, ContactsScope) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="outflow-sandbox", error="insufficient_scope", scope="`+ContactsScope+`"`)
		writeJSON(w, http.StatusForbidden, oauthError{Error: "insufficient_scope", Description: "Listing contacts needs the " + ContactsScope + " scope."})
		return
	}
	writeJSON(w, http.StatusOK, contactList{Subject: info.subject, Contacts: sampleContacts})
}
