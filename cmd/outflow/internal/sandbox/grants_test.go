package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestClientSecretPostAndWrongSecret(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	code, verifier := f.code(t)
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {testRedirect},
		"client_id": {testClientID}, "client_secret": {"wrong-secret"},
	}
	resp, err := http.PostForm(f.p.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong client_secret: status %d, want 401", resp.StatusCode)
	}
	form.Set("client_secret", testSecret)
	resp, err = http.PostForm(f.p.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("client_secret_post: status %d, want 200 (a refused client authentication must not burn the code)", resp.StatusCode)
	}
}

func TestRefreshMayNarrowScopes(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	tok := f.connect(t)
	status, body := f.post(t, f.p.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "scope": {"contacts.read"}})
	if status != http.StatusOK || body["scope"] != "contacts.read" {
		t.Fatalf("narrowing refresh: %d %v", status, body)
	}
	status, body = f.post(t, f.p.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}, "scope": {"contacts.write"}})
	if status != http.StatusBadRequest || body["error"] != "invalid_scope" {
		t.Fatalf("widening refresh: %d %v, want 400 invalid_scope", status, body)
	}
}

func TestExpiredAccessTokenIsInactive(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove, AccessTokenLifespan: time.Nanosecond})
	tok := f.connect(t)
	assertActive(t, f, tok.AccessToken, false)
	if resp := f.get(t, f.p.MeURL(), tok.AccessToken); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/api/me with an expired token: %d, want 401", resp.StatusCode)
	}
	assertActive(t, f, tok.RefreshToken, true)
}

func TestIntrospectionNeedsAConfidentialClientOrAnotherAccessToken(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove}, testClient(), Client{ID: "spa", Public: true, RedirectURIs: []string{testRedirect}})
	tok := f.connect(t)
	other := f.connect(t)
	call := func(auth func(*http.Request), form url.Values) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, f.p.IntrospectionURL(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body(t, resp)
	}
	form := url.Values{"token": {tok.AccessToken}}
	if status, b := call(func(r *http.Request) { r.SetBasicAuth("spa", "") }, form); status != http.StatusUnauthorized {
		t.Errorf("public client: %d %s, want 401", status, b)
	}
	if status, b := call(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+other.AccessToken) }, form); status != http.StatusOK || !strings.Contains(b, `"active":true`) {
		t.Errorf("bearer of another access token: %d %s, want 200 active", status, b)
	}
	if status, b := call(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.AccessToken) }, form); status != http.StatusUnauthorized {
		t.Errorf("bearer of the token itself: %d %s, want 401", status, b)
	}
	if status, b := call(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+other.RefreshToken) }, form); status != http.StatusUnauthorized {
		t.Errorf("bearer of a refresh token: %d %s, want 401", status, b)
	}
}

func TestRevokingAnotherClientsTokenIsRefused(t *testing.T) {
	t.Parallel()
	other := Client{ID: "other", Secret: "other-secret-value", RedirectURIs: []string{testRedirect}}
	f := setup(t, Config{Decision: DecisionApprove}, testClient(), other)
	tok := f.connect(t)
	f.conf.ClientID, f.conf.ClientSecret = other.ID, other.Secret
	if status, body := f.post(t, f.p.RevocationURL(), url.Values{"token": {tok.RefreshToken}}); status != http.StatusBadRequest || body["error"] != "unauthorized_client" {
		t.Fatalf("revoking another client's token: %d %v, want 400 unauthorized_client", status, body)
	}
	assertActive(t, f, tok.AccessToken, true)
}

func TestAuthorizationRequestsThatAreRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	verifier := oauth2.GenerateVerifier()
	for name, tc := range map[string]struct {
		state string
		opts  []oauth2.AuthCodeOption
		want  string
	}{
		"short state":    {"short", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, "invalid_request"},
		"plain PKCE":     {"state-1234", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")}, "invalid_request"},
		"implicit grant": {"state-1234", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("response_type", "token")}, "unsupported_response_type"},
		"fragment mode":  {"state-1234", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("response_mode", "fragment")}, "invalid_request"},
	} {
		q := redirectBack(t, f.get(t, f.conf.AuthCodeURL(tc.state, tc.opts...), ""))
		if q.Get("error") != tc.want || q.Get("code") != "" || q.Get("state") != tc.state {
			t.Errorf("%s: redirect %v, want error=%s with the state and no code", name, q, tc.want)
		}
	}
	resp := f.get(t, f.p.AuthURL()+"?client_id=nobody&response_type=code", "")
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("unknown client: %d to %q, want a 400 page and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
}
