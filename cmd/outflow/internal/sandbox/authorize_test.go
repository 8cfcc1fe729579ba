package sandbox

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestCodeFlowIssuesTokensThatWork(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove, AccessTokenLifespan: 90 * time.Second, Subject: "ada"})

	tok := f.connect(t)
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("want an access and a refresh token (offline was granted), got %+v", tok)
	}
	if left := time.Until(tok.Expiry); left <= 80*time.Second || left > 91*time.Second {
		t.Errorf("access token expires in %v, want about the configured 90s", left)
	}
	if got := tok.Extra("scope"); got != strings.Join(testScopes, " ") {
		t.Errorf("granted scope = %v, want %q", got, strings.Join(testScopes, " "))
	}
	if got := f.p.Stats().AuthorizationCodeGrants; got != 1 {
		t.Errorf("AuthorizationCodeGrants = %d, want 1", got)
	}

	active, scopes, err := f.p.Introspect(t.Context(), tok.AccessToken)
	if err != nil || !active || !slices.Equal(scopes, testScopes) {
		t.Errorf("Introspect(access token) = %v, %v, %v; want active with %v", active, scopes, err, testScopes)
	}

	idToken, _ := tok.Extra("id_token").(string)
	claims := verifyIDToken(t, f, idToken)
	if claims["sub"] != "ada" || claims["iss"] != f.p.Issuer() {
		t.Errorf("ID token sub/iss = %v/%v, want ada/%s", claims["sub"], claims["iss"], f.p.Issuer())
	}
	if aud, _ := claims["aud"].([]any); !slices.Contains(aud, any(testClientID)) {
		t.Errorf("ID token aud = %v, want it to contain %q", claims["aud"], testClientID)
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	code, verifier := f.code(t)
	if _, err := f.conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}
	_, err := f.conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	assertOAuthError(t, err, "invalid_grant")
}

func TestCodeRequiresTheRightVerifier(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	code, verifier := f.code(t)

	_, err := f.conf.Exchange(t.Context(), code)
	assertOAuthError(t, err, "invalid_request")
	_, err = f.conf.Exchange(t.Context(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	assertOAuthError(t, err, "invalid_grant")
	_, err = f.conf.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err == nil {
		t.Fatal("a code whose exchange failed was redeemed afterwards; want it refused")
	}
	if got := f.p.Stats().AuthorizationCodeGrants; got != 0 {
		t.Errorf("AuthorizationCodeGrants = %d, want 0", got)
	}
}

func TestAuthorizationRequestWithoutPKCEIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	q := redirectBack(t, f.get(t, f.conf.AuthCodeURL("state-without-pkce"), ""))
	if q.Get("error") != "invalid_request" || q.Get("code") != "" {
		t.Fatalf("redirect = %v, want error=invalid_request and no code", q)
	}
}

func TestDenyRedirectsWithAccessDenied(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionDeny})
	state, _, resp := f.startAuth(t)
	q := redirectBack(t, resp)
	if q.Get("error") != "access_denied" || q.Get("state") != state || q.Get("code") != "" {
		t.Fatalf("redirect = %v, want error=access_denied, state=%s and no code", q, state)
	}
}

func TestDecisionForDecidesPerRequest(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionDeny})
	f.p.DecisionFor(func(r *http.Request) string {
		if strings.Contains(r.URL.Query().Get("scope"), "contacts.write") {
			return DecisionDeny
		}
		return DecisionApprove
	})
	if q := redirectBack(t, startWithScopes(t, f, "openid contacts.read")); q.Get("code") == "" {
		t.Errorf("read-only request: %v, want a code", q)
	}
	if q := redirectBack(t, startWithScopes(t, f, "openid contacts.write")); q.Get("error") != "access_denied" {
		t.Errorf("write request: %v, want access_denied", q)
	}

	f.p.DecisionFor(nil) // back to Config.Decision
	if q := redirectBack(t, startWithScopes(t, f, "openid contacts.read")); q.Get("error") != "access_denied" {
		t.Errorf("after DecisionFor(nil): %v, want access_denied from Config.Decision", q)
	}
}

func startWithScopes(t *testing.T, f *fixture, scope string) *http.Response {
	t.Helper()
	_, _, resp := f.startAuth(t, oauth2.SetAuthURLParam("scope", scope))
	return resp
}

func TestUnknownRedirectURIIsExplainedNotFollowed(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	_, _, resp := f.startAuth(t, oauth2.SetAuthURLParam("redirect_uri", "https://attacker.example.test/steal"))
	page := body(t, resp)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("status %d, Location %q; want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(page, "Sandbox provider — for trying Outflow offline, not a real service") ||
		!strings.Contains(page, "redirect") {
		t.Errorf("the error page does not explain the problem:\n%s", page)
	}
}

func TestScopeNotAllowedForClientIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	if q := redirectBack(t, startWithScopes(t, f, "openid calendar")); q.Get("error") != "invalid_scope" {
		t.Fatalf("redirect = %v, want error=invalid_scope", q)
	}
}

func TestPublicClientNeedsNoSecret(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove}, Client{ID: "cli", Public: true, RedirectURIs: []string{testRedirect}})
	tok := f.connect(t)
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("public client (any scope allowed) got %+v, want access and refresh tokens", tok)
	}
	if _, err := f.conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Fatalf("public client refresh: %v", err)
	}
}

func TestNoRefreshTokenWithoutOffline(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	f.conf.Scopes = []string{"openid", "contacts.read"}
	tok := f.connect(t)
	if tok.AccessToken == "" || tok.RefreshToken != "" {
		t.Fatalf("got access %t, refresh %t; want only an access token without offline",
			tok.AccessToken != "", tok.RefreshToken != "")
	}
}

func assertOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Fatalf("error = %v, want OAuth error %q", err, code)
	}
}

// verifyIDToken checks the ID token's RS256 signature against the provider's JWKS and returns
// its claims.
func verifyIDToken(t *testing.T, f *fixture, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("ID token %q is not a JWS", raw)
	}
	var set struct {
		Keys []struct{ Kid, N, E, Alg string }
	}
	if err := json.NewDecoder(f.get(t, f.p.Issuer()+"/.well-known/jwks.json", "").Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var header struct{ Kid, Alg string }
	unmarshalSegment(t, parts[0], &header)
	for _, k := range set.Keys {
		if k.Kid != header.Kid {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(b64(t, k.N)), E: int(new(big.Int).SetBytes(b64(t, k.E)).Int64())}
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], b64(t, parts[2])); err != nil {
			t.Fatalf("ID token signature: %v", err)
		}
		claims := map[string]any{}
		unmarshalSegment(t, parts[1], &claims)
		return claims
	}
	t.Fatalf("no key %q (alg %s) in the JWKS", header.Kid, header.Alg)
	return nil
}

func unmarshalSegment(t *testing.T, seg string, v any) {
	t.Helper()
	if err := json.Unmarshal(b64(t, seg), v); err != nil {
		t.Fatal(err)
	}
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
