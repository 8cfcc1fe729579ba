package sandbox

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

func TestRefreshRotatesTheRefreshToken(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	first := f.connect(t)

	// x/oauth2 refreshes an expired token through the token endpoint.
	second, err := f.conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: first.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatal("refresh must return a new access token and a new refresh token")
	}
	assertActive(t, f, second.AccessToken, true)
	assertActive(t, f, first.AccessToken, false) // the grant's previous access token is retired
	if s := f.p.Stats(); s.RefreshGrants != 1 || s.RefreshFailures != 0 {
		t.Errorf("stats = %+v, want 1 refresh grant and no failures", s)
	}

	third, err := f.conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: second.RefreshToken}).Token()
	if err != nil || third.RefreshToken == second.RefreshToken {
		t.Fatalf("second refresh with the rotated token: %v", err)
	}
}

// A refresh token presented twice is treated as stolen: the whole grant is revoked, so a client
// that refreshes the same grant twice loses the connection.
func TestReplayedRefreshTokenRevokesTheGrant(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	first := f.connect(t)

	status, rotated := f.refresh(t, first.RefreshToken)
	if status != http.StatusOK {
		t.Fatalf("first refresh: %d %v", status, rotated)
	}
	status, replay := f.refresh(t, first.RefreshToken)
	if status != http.StatusBadRequest || replay["error"] != "invalid_grant" {
		t.Fatalf("replayed refresh token: %d %v, want 400 invalid_grant", status, replay)
	}

	newRefresh, _ := rotated["refresh_token"].(string)
	newAccess, _ := rotated["access_token"].(string)
	if status, body := f.refresh(t, newRefresh); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("refresh with the rotated token after a replay: %d %v, want 400 invalid_grant", status, body)
	}
	assertActive(t, f, newAccess, false)
	assertActive(t, f, newRefresh, false)
	if s := f.p.Stats(); s.RefreshGrants != 1 || s.RefreshFailures != 2 {
		t.Errorf("stats = %+v, want 1 refresh grant and 2 failures", s)
	}
}

func TestConcurrentRefreshesOfOneGrantLoseIt(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	tok := f.connect(t)

	var wg sync.WaitGroup
	statuses := make([]int, 2)
	bodies := make([]map[string]any, 2)
	errs := make([]error, 2)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	for i := range 2 {
		wg.Go(func() { statuses[i], bodies[i], errs[i] = f.tryPost(t.Context(), f.p.TokenURL(), form) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	winner := slices.Index(statuses, http.StatusOK)
	if winner < 0 || statuses[1-winner] != http.StatusBadRequest {
		t.Fatalf("statuses = %v, want one 200 and one 400", statuses)
	}
	won, _ := bodies[winner]["refresh_token"].(string)
	if status, _ := f.refresh(t, won); status != http.StatusBadRequest {
		t.Fatalf("the winner's refresh token still works (status %d); want the grant revoked", status)
	}
}

func TestRevocationMakesTokensInactive(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	tok := f.connect(t)
	assertIntrospection(t, f, tok.AccessToken, true)

	status, _ := f.post(t, f.p.RevocationURL(), url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}})
	if status != http.StatusOK {
		t.Fatalf("revoke: status %d, want 200", status)
	}
	assertIntrospection(t, f, tok.AccessToken, false)
	assertIntrospection(t, f, tok.RefreshToken, false)
	assertActive(t, f, tok.AccessToken, false)

	// RFC 7009: revoking an unknown or already revoked token still succeeds.
	if status, _ := f.post(t, f.p.RevocationURL(), url.Values{"token": {tok.RefreshToken}}); status != http.StatusOK {
		t.Errorf("revoking again: status %d, want 200", status)
	}
	if got := f.p.Stats().Revocations; got != 2 {
		t.Errorf("Revocations = %d, want 2", got)
	}
	if status, body := f.refresh(t, tok.RefreshToken); status != http.StatusBadRequest {
		t.Errorf("refresh after revocation: %d %v, want 400", status, body)
	}
}

func TestIntrospectionEndpointDescribesActiveTokens(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove, Subject: "linus"})
	tok := f.connect(t)
	status, body := f.post(t, f.p.IntrospectionURL(), url.Values{"token": {tok.AccessToken}})
	if status != http.StatusOK || body["active"] != true || body["client_id"] != testClientID ||
		body["sub"] != "linus" || body["scope"] != "openid offline contacts.read" {
		t.Fatalf("introspection: %d %v", status, body)
	}
	if status, body := f.post(t, f.p.IntrospectionURL(), url.Values{"token": {"not-a-token"}}); status != http.StatusOK || body["active"] != false {
		t.Fatalf("introspection of garbage: %d %v, want 200 active=false", status, body)
	}
}

func TestOmitExpiresInStripsTheField(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	code, verifier := f.code(t)

	f.p.OmitExpiresIn(true)
	status, body := f.post(t, f.p.TokenURL(), url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {testRedirect},
	})
	if status != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, body)
	}
	if _, ok := body["expires_in"]; ok {
		t.Fatalf("expires_in present although omitted: %v", body)
	}

	f.p.OmitExpiresIn(false)
	status, body = f.refresh(t, body["refresh_token"].(string))
	if _, ok := body["expires_in"]; status != http.StatusOK || !ok {
		t.Fatalf("after OmitExpiresIn(false): %d %v, want expires_in back", status, body)
	}
}

func TestSetDownAnswers503AndKeepsTheGrant(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	tok := f.connect(t)

	f.p.SetDown(true)
	status, body := f.refresh(t, tok.RefreshToken)
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
		t.Fatalf("while down: %d %v, want 503 temporarily_unavailable", status, body)
	}
	_, err := f.conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("x/oauth2 refresh while down: %v, want a 503", err)
	}

	f.p.SetDown(false)
	if status, body := f.refresh(t, tok.RefreshToken); status != http.StatusOK {
		t.Fatalf("after the outage the untouched refresh token must work: %d %v", status, body)
	}
	if s := f.p.Stats(); s.Unavailable != 2 || s.RefreshGrants != 1 || s.RefreshFailures != 0 {
		t.Errorf("stats = %+v, want 2 unavailable, 1 refresh grant, 0 failures", s)
	}
}

func assertActive(t *testing.T, f *fixture, token string, want bool) {
	t.Helper()
	active, _, err := f.p.Introspect(t.Context(), token)
	if err != nil || active != want {
		t.Fatalf("Introspect = %v, %v; want active=%v", active, err, want)
	}
}

func assertIntrospection(t *testing.T, f *fixture, token string, want bool) {
	t.Helper()
	status, body := f.post(t, f.p.IntrospectionURL(), url.Values{"token": {token}})
	if status != http.StatusOK || body["active"] != want {
		t.Fatalf("introspection endpoint: %d %v, want active=%v", status, body, want)
	}
}
