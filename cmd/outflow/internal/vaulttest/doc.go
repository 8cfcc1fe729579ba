// Package vaulttest tests the OAuth token vault (package outbound) end to end against a real
// OAuth 2.0 authorization server — ory/fosite, served by package fositepeer, with PKCE enforced,
// rotating refresh tokens whose reuse revokes the whole grant, RFC 7009 revocation and
// introspection — on the embedded Redis and, when OUTFLOW_TEST_REDIS_URL is set, a real one.
// It also runs one script against fosite and against the demo's sandbox provider and requires
// the same answers (conformance_test.go).
//
// It holds tests only; it lives in the binary's module so the library's go.mod does not carry
// fosite, and it is the only package whose tests link fosite (one test binary, not two).
//
// The tests build only with the fosite build tag: go test -tags fosite ./cmd/outflow/internal/vaulttest.
// fosite pulls in gRPC, protobuf and OpenTelemetry's exporters, about 45 slot-seconds, an eighth
// of a first `go test ./... ./cmd/outflow/...` with them, so the plain command leaves them out.
// Without the tag, OUTFLOW_REQUIRE_FOSITE=1 (set by CI) fails the package's one untagged test, so
// a run that asks for them cannot pass with none run.
package vaulttest
