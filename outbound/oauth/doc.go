// Package oauth is the OAuth 2.0 token vault of outbound apps (Vault): it starts consent
// (Connect, with state and PKCE), finishes it (HandleCallback), keeps every grant sealed in
// Redis, hands out fresh access tokens (Fetch) refreshing them safely across processes, revokes
// them at the provider on disconnect, imports tokens obtained elsewhere, reports each
// connection's health, and emits connection events.
//
// It takes its apps from an apps.Apps registry; it never imports the API-key store.
package oauth
