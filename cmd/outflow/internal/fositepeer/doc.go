// Package fositepeer serves a strict, independent OAuth 2.0 authorization server for tests: every
// OAuth decision — authorization codes, PKCE (S256, always required), client authentication,
// refresh-token rotation with reuse detection, RFC 7009 revocation, RFC 7662 introspection and
// OpenID Connect ID tokens — is made by the ory/fosite library over its in-memory store.
//
// The token-vault tests run against it so that what they prove does not rest on Outflow's own
// reading of the RFCs: replaying a refresh token, or refreshing one grant twice at once, revokes
// the whole grant, as fosite does. It has no pages: Config.Decision or DecisionFor approves or
// denies each valid authorization request at once. It is imported by tests only, so fosite and
// what it pulls in stay out of the outflow binary (whose demo serves package sandbox).
//
// Its files build only with the fosite build tag (go test -tags fosite), like the tests of package
// vaulttest that use it, so a plain `go test ./...` does not compile fosite's dependencies.
//
// Routes, relative to where Handler is mounted (mount it with http.StripPrefix so that the
// absolute URL of the mount point equals Config.Issuer):
//
//	GET  /oauth2/auth        authorization endpoint (approves or denies at once)
//	POST /oauth2/token       token endpoint (authorization_code, refresh_token)
//	POST /oauth2/revoke      RFC 7009 revocation
//	POST /oauth2/introspect  RFC 7662 introspection (client authentication required)
//
// Token requests are handled one at a time, so reuse detection holds under concurrency as it
// would with a real provider's database transactions.
package fositepeer
