// Package oauth is the OAuth 2.0 token vault of outbound apps (Vault): it starts consent
// (Connect, with state and PKCE), finishes it (HandleCallback), keeps every grant sealed in
// Redis, hands out fresh access tokens (Fetch) refreshing them safely across processes, revokes
// them at the provider on disconnect, imports tokens obtained elsewhere, reports each
// connection's health, and emits connection events.
//
// It takes its apps from an apps.Apps registry; it never imports the API-key store.
//
// The package is above 3,000 lines (about 5,300) and needs more than 120 exported identifiers
// (about 140, methods included) for a reason: every operation reads and writes the same sealed connection record under one
// compare-and-set and lock discipline, so the vault is one piece of state; its exported names are
// mostly the request, result and error types of those operations, each error a type the HTTP
// layer maps to a status. Moving the provider protocol (token_*.go) or the connection record
// (connection_*.go) into packages of their own would export that record and its sealing.
package oauth
