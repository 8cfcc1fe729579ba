// Package vaulttest tests the OAuth token vault (package outbound) end to end against a real
// OAuth 2.0 authorization server — ory/fosite, served by package fositepeer, with PKCE enforced,
// rotating refresh tokens whose reuse revokes the whole grant, RFC 7009 revocation and
// introspection — on the embedded Redis and, when OUTFLOW_TEST_REDIS_URL is set, a real one.
//
// It holds tests only; it lives in the binary's module so the library's go.mod does not carry
// fosite.
package vaulttest
