//go:build fosite

package vaulttest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/outflowhq/outflow/cmd/outflow/internal/fositepeer"
	"github.com/outflowhq/outflow/cmd/outflow/internal/sandbox"
)

// The demo's sandbox provider is Outflow's own code; fosite is an independent implementation of
// the same RFCs. These tests run one script against both and require the same answers, so the
// sandbox a newcomer clicks through behaves as the strict peer the vault is tested against.
//
// Known, deliberate differences are left out: a code exchange without code_verifier is
// invalid_request at the sandbox (a missing parameter, RFC 6749 section 5.2) and invalid_grant
// at fosite; a grant type the client may not use is unsupported_grant_type at the sandbox (it
// supports two) and unauthorized_client at fosite; a state shorter than 8 characters is
// invalid_request at the sandbox and fosite's own invalid_state.

const (
	conformanceRedirect = "https://app.example.test/callback"
	conformanceSecret   = "conformance-secret-value"
)

// authServer is what both providers offer.
type authServer interface {
	Handler() http.Handler
	AuthURL() string
	TokenURL() string
	RevocationURL() string
	IntrospectionURL() string
}

type peer struct {
	name string
	srv  authServer
	a, b *oauth2.Config // two confidential clients
}

// conformancePeers serves both providers, each with clients "a" and "b" (scopes openid, offline, contacts).
func conformancePeers(t *testing.T) []peer {
	t.Helper()
	scopes := []string{"openid", "offline", "contacts"}
	var out []peer
	for _, name := range []string{"sandbox", "fosite"} {
		hs := httptest.NewUnstartedServer(nil)
		issuer := "http://" + hs.Listener.Addr().String() + "/p"
		var srv authServer
		var err error
		switch name {
		case "sandbox":
			srv, err = sandbox.New(sandbox.Config{Issuer: issuer, Decision: sandbox.DecisionApprove},
				sandbox.Client{ID: "a", Secret: conformanceSecret, RedirectURIs: []string{conformanceRedirect}, Scopes: scopes},
				sandbox.Client{ID: "b", Secret: conformanceSecret, RedirectURIs: []string{conformanceRedirect}, Scopes: scopes})
		default:
			srv, err = fositepeer.New(fositepeer.Config{Issuer: issuer},
				fositepeer.Client{ID: "a", Secret: conformanceSecret, RedirectURIs: []string{conformanceRedirect}, Scopes: scopes},
				fositepeer.Client{ID: "b", Secret: conformanceSecret, RedirectURIs: []string{conformanceRedirect}, Scopes: scopes})
		}
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/p/", http.StripPrefix("/p", srv.Handler()))
		hs.Config.Handler = mux
		hs.Start()
		t.Cleanup(hs.Close)
		conf := func(id string) *oauth2.Config {
			return &oauth2.Config{
				ClientID: id, ClientSecret: conformanceSecret, RedirectURL: conformanceRedirect,
				Endpoint: oauth2.Endpoint{AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader},
				Scopes:   []string{"openid", "offline", "contacts.read"},
			}
		}
		out = append(out, peer{name: name, srv: srv, a: conf("a"), b: conf("b")})
	}
	return out
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorizeAt sends an authorization request and returns the query of the redirect back, or the
// status when there is none.
func authorizeAt(t *testing.T, authURL string) (url.Values, int) {
	t.Helper()
	resp, err := noRedirects.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return nil, resp.StatusCode
	}
	return loc.Query(), resp.StatusCode
}

func approvedCode(t *testing.T, c *oauth2.Config) (string, string) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	q, status := authorizeAt(t, c.AuthCodeURL("state-12345678", oauth2.S256ChallengeOption(verifier)))
	if q.Get("code") == "" {
		t.Fatalf("no code: %d %v", status, q)
	}
	return q.Get("code"), verifier
}

// postForm sends a form with HTTP basic authentication and returns the status and the body.
func postForm(t *testing.T, c *oauth2.Config, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := map[string]any{}
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body
}

func exchangeCode(t *testing.T, c *oauth2.Config, tokenURL, code, verifier string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {conformanceRedirect}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return postForm(t, c, tokenURL, form)
}

func refreshGrant(t *testing.T, c *oauth2.Config, tokenURL, rt string) (int, map[string]any) {
	t.Helper()
	return postForm(t, c, tokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

func introspectsActive(t *testing.T, p peer, token string) bool {
	t.Helper()
	status, body := postForm(t, p.a, p.srv.IntrospectionURL(), url.Values{"token": {token}})
	if status != http.StatusOK {
		t.Fatalf("%s: introspection: %d %v", p.name, status, body)
	}
	return body["active"] == true
}

// outcome is what a step answered: the status and the OAuth error code.
type outcome struct {
	Status int
	Error  string
}

func outcomeOf(status int, body map[string]any) outcome {
	e, _ := body["error"].(string)
	return outcome{status, e}
}

// agree runs script against both providers and requires the same outcomes.
func agree(t *testing.T, script func(t *testing.T, p peer) []outcome) {
	t.Helper()
	var results [][]outcome
	ps := conformancePeers(t)
	for _, p := range ps {
		results = append(results, script(t, p))
	}
	for i := range results[0] {
		if i >= len(results[1]) || results[0][i] != results[1][i] {
			t.Errorf("step %d: sandbox answered %+v, fosite %+v", i, results[0], results[1])
			return
		}
	}
}

func TestConformanceCodeExchange(t *testing.T) {
	t.Parallel()
	agree(t, func(t *testing.T, p peer) []outcome {
		c, v := approvedCode(t, p.a)
		otherClient := outcomeOf(exchangeCode(t, p.b, p.srv.TokenURL(), c, v))
		ok, tok := exchangeCode(t, p.a, p.srv.TokenURL(), c, v)
		replay := outcomeOf(exchangeCode(t, p.a, p.srv.TokenURL(), c, v))
		at, _ := tok["access_token"].(string)
		stillActive := http.StatusOK
		if introspectsActive(t, p, at) {
			stillActive = 0 // a replayed code must end the grant it was exchanged for
		}
		c2, _ := approvedCode(t, p.a)
		wrong := outcomeOf(exchangeCode(t, p.a, p.srv.TokenURL(), c2, oauth2.GenerateVerifier()))
		burnt := outcomeOf(exchangeCode(t, p.a, p.srv.TokenURL(), c2, v))
		return []outcome{otherClient, {ok, ""}, replay, {stillActive, ""}, wrong, burnt}
	})
}

func TestConformanceRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	agree(t, func(t *testing.T, p peer) []outcome {
		c, v := approvedCode(t, p.a)
		_, tok := exchangeCode(t, p.a, p.srv.TokenURL(), c, v)
		first, _ := tok["refresh_token"].(string)
		otherClient := outcomeOf(refreshGrant(t, p.b, p.srv.TokenURL(), first))
		status, rotated := refreshGrant(t, p.a, p.srv.TokenURL(), first)
		second, _ := rotated["refresh_token"].(string)
		oldAccess := introspectsActive(t, p, tok["access_token"].(string))
		replay := outcomeOf(refreshGrant(t, p.a, p.srv.TokenURL(), first))
		afterReplay := outcomeOf(refreshGrant(t, p.a, p.srv.TokenURL(), second))
		return []outcome{otherClient, {status, ""}, {boolStatus(oldAccess), ""}, replay, afterReplay}
	})
}

func TestConformanceClientAuthenticationAndRevocation(t *testing.T) {
	t.Parallel()
	agree(t, func(t *testing.T, p peer) []outcome {
		c, v := approvedCode(t, p.a)
		_, tok := exchangeCode(t, p.a, p.srv.TokenURL(), c, v)
		wrongSecret := *p.a
		wrongSecret.ClientSecret = "not-the-secret"
		badAuth := outcomeOf(refreshGrant(t, &wrongSecret, p.srv.TokenURL(), tok["refresh_token"].(string)))
		unknown := outcomeOf(postForm(t, p.a, p.srv.RevocationURL(), url.Values{"token": {"no-such-token"}}))
		revoked := outcomeOf(postForm(t, p.a, p.srv.RevocationURL(), url.Values{"token": {tok["refresh_token"].(string)}}))
		accessAfter := introspectsActive(t, p, tok["access_token"].(string))
		refreshAfter := outcomeOf(refreshGrant(t, p.a, p.srv.TokenURL(), tok["refresh_token"].(string)))
		return []outcome{badAuth, unknown, revoked, {boolStatus(accessAfter), ""}, refreshAfter}
	})
}

func TestConformanceAuthorizationRequests(t *testing.T) {
	t.Parallel()
	agree(t, func(t *testing.T, p peer) []outcome {
		verifier := oauth2.GenerateVerifier()
		var got []outcome
		for _, opts := range [][]oauth2.AuthCodeOption{
			nil, // no PKCE
			{oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")},
			{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("scope", "openid calendar")},
			{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("response_type", "token")},
			{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("redirect_uri", "https://evil.example.test/cb")},
		} {
			q, status := authorizeAt(t, p.a.AuthCodeURL("state-12345678", opts...))
			got = append(got, outcome{status, q.Get("error")})
		}
		return got
	})
}

func boolStatus(b bool) int {
	if b {
		return 1
	}
	return 0
}
