package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestMeAnswersWithAValidAccessToken(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove, Subject: "margaret"})
	tok := f.connect(t)

	resp := f.get(t, f.p.MeURL(), tok.AccessToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/me with a token: status %d", resp.StatusCode)
	}
	var got struct {
		Sub      string   `json:"sub"`
		Scopes   []string `json:"scopes"`
		ClientID string   `json:"clientId"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Sub != "margaret" || got.ClientID != testClientID || !slices.Equal(got.Scopes, testScopes) {
		t.Fatalf("GET /api/me = %+v", got)
	}
}

func TestMeRefusesMissingOrInvalidTokens(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	tok := f.connect(t)
	tests := []struct{ name, bearer string }{
		{"no token", ""},
		{"unknown token", "not-a-token"},
		{"refresh token", tok.RefreshToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.get(t, f.p.MeURL(), tt.bearer)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("status %d, WWW-Authenticate %q; want 401 with a Bearer challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestAPIKeyCheck(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{})
	minted, revoked := f.p.MintAPIKey(), f.p.MintAPIKey()
	f.p.RevokeAPIKey(revoked)
	tests := []struct {
		name, key string
		want      int
	}{
		{"minted key", minted, http.StatusOK},
		{"hand-written key of the documented format", "sk-sandbox-abcdefghijklmnopqrstuvwx", http.StatusOK},
		{"revoked key", revoked, http.StatusUnauthorized},
		{"too short", "sk-sandbox-abcdefghijklmnopqrstuvw", http.StatusUnauthorized},
		{"wrong prefix", "sk-live-abcdefghijklmnopqrstuvwxyz", http.StatusUnauthorized},
		{"punctuation", "sk-sandbox-abcdefghijklmnopqrstuvw!", http.StatusUnauthorized},
		{"no key", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.get(t, f.p.APIKeyCheckURL(), tt.key)
			var got keyCheck
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.want || got.OK != (tt.want == http.StatusOK) {
				t.Fatalf("status %d, body %+v; want %d", resp.StatusCode, got, tt.want)
			}
		})
	}
	if !strings.HasPrefix(minted, APIKeyPrefix) || minted == revoked {
		t.Errorf("MintAPIKey returned %q and %q, want distinct keys with prefix %q", minted, revoked, APIKeyPrefix)
	}
}

func TestIntrospectUnknownTokenIsInactive(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://127.0.0.1/sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"", "garbage", "ory_at_abc.def"} {
		if active, scopes, err := p.Introspect(t.Context(), token); active || scopes != nil || err != nil {
			t.Errorf("Introspect(%q) = %v, %v, %v; want inactive, no error", token, active, scopes, err)
		}
	}
}
