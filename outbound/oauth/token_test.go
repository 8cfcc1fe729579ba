package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
	"go.yaml.in/yaml/v3"
)

func TestFetchOfAValidTokenIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		f := setupVaultOn(t, s)
		f.connect(t, alice, "")
		f.fetch(t, FetchRequest{Owner: alice}) // warms the app cache
		rt := storetest.CountRoundTrips(f.s)
		tok, _ := f.fetch(t, FetchRequest{Owner: alice, Scopes: []string{"contacts.read"}})
		if n := rt.Count(); n != 1 {
			t.Errorf("a fetch of a valid token took %d Redis round trips, want 1", n)
		}
		if tok.AccessToken == "" || tok.RefreshToken != "" {
			t.Errorf("token %v: want an access token and no refresh token unless asked", tok)
		}
	})
}

func TestFetchPicksAConnectionCoveringTheScopes(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	if _, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice}); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("before any connect: %v, want ErrNotConnected", err)
	}
	read := f.connect(t, alice, "", "contacts.read", "offline_access")
	f.clock.Advance(time.Minute)
	all := f.connect(t, alice, "", allCRM...)
	f.clock.Advance(time.Minute)
	tests := []struct {
		scopes []string
		want   string
	}{
		{nil, all.ConnectionID}, // the latest
		{[]string{"contacts.read"}, all.ConnectionID},
		{[]string{"contacts.write", "contacts.read"}, all.ConnectionID}, // a superset will do
	}
	for _, tt := range tests {
		if _, c := f.fetch(t, FetchRequest{Owner: alice, Scopes: tt.scopes}); c.ID != tt.want {
			t.Errorf("scopes %v: connection %s, want %s", tt.scopes, c.ID, tt.want)
		}
	}
	if _, c := f.fetch(t, FetchRequest{Owner: alice, ConnectionID: read.ConnectionID}); c.ID != read.ConnectionID {
		t.Errorf("by id: %s", c.ID)
	}
	_, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice, Scopes: []string{"contacts.read", "deals.read"}})
	var ms *MissingScopesError
	if !errors.As(err, &ms) {
		t.Fatalf("err = %v, want MissingScopesError", err)
	}
	if !slices.Equal(ms.Missing, []string{"deals.read"}) || !slices.Equal(ms.Connect.Scopes, append(slices.Clone(allCRM), "deals.read")) {
		t.Errorf("missing %v, connect with %v", ms.Missing, ms.Connect.Scopes)
	}
	if _, err := f.v.Connect(ctx, ms.Connect.Request("")); err != nil {
		t.Errorf("the hint does not make a valid connect: %v", err)
	}
	// A tenant's connections are its own.
	if _, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: acme}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("tenant fetch: %v", err)
	}
	if _, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice, ExternalID: "nope"}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("unknown external id: %v", err)
	}
}

func TestFetchRefreshesWithinTheMargin(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.connect(t, alice, "")
	before, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	f.clock.Advance(54 * time.Minute) // 6 minutes left: outside the 5-minute margin
	if tok, _ := f.fetch(t, FetchRequest{Owner: alice}); tok.AccessToken != before.AccessToken || f.p.refreshCalls.Load() != 0 {
		t.Fatal("refreshed a token outside the margin")
	}
	f.clock.Advance(2 * time.Minute)
	after, c := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	if f.p.refreshCalls.Load() != 1 || after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken {
		t.Fatalf("refresh calls %d; the token or the rotated refresh token did not change", f.p.refreshCalls.Load())
	}
	if !c.LastRefreshAt.Equal(f.clock.Now()) || !c.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("lastRefreshAt %v expiresAt %v", c.LastRefreshAt, c.ExpiresAt)
	}
	// Forced: refreshed although valid.
	forced, _ := f.fetch(t, FetchRequest{Owner: alice, ForceRefresh: true})
	if forced.AccessToken == after.AccessToken || f.p.refreshCalls.Load() != 2 {
		t.Error("a forced fetch did not refresh")
	}
}

func TestRefreshKeepsTheRefreshTokenWhenNoneIsReturned(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.connect(t, alice, "")
	f.p.mu.Lock()
	f.p.rotate = false
	f.p.mu.Unlock()
	first, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	for range 3 {
		f.clock.Advance(time.Hour)
		tok, c := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
		if tok.RefreshToken != first.RefreshToken || !c.HasRefreshToken {
			t.Fatal("a refresh response without refresh_token wiped or changed the stored one")
		}
	}
	if n := f.p.refreshCalls.Load(); n != 3 {
		t.Errorf("refresh calls %d, want 3", n)
	}
}

func TestExpiryWithoutExpiresIn(t *testing.T) {
	t.Parallel()
	jwtExp := vaultEpoch.Add(20 * time.Minute)
	tests := []struct {
		name   string
		access string
		want   time.Time
		source string
	}{
		{"opaque token: fallback lifetime", "opaque-AT-" + "x", vaultEpoch.Add(2 * time.Hour), ExpiryFallback},
		{"JWT access token: its exp", testJWT(map[string]any{"exp": jwtExp.Unix(), "sub": "u"}), jwtExp, ExpiryJWT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setupVault(t, func(p *apps.AppPatch) { p.Refresh = &apps.RefreshPolicyPatch{FallbackLifetimeSeconds: ptr(7200)} })
			f.p.setRespond(func(form url.Values) (int, any) {
				status, body := f.p.standard(form)
				m := body.(map[string]any)
				delete(m, "expires_in")
				m["access_token"] = tt.access
				return status, body
			})
			res := f.connect(t, alice, "")
			if !res.Connection.ExpiresAt.Equal(tt.want) || res.Connection.ExpirySource != tt.source {
				t.Errorf("expiresAt %v (%s), want %v (%s)", res.Connection.ExpiresAt, res.Connection.ExpirySource, tt.want, tt.source)
			}
		})
	}
}

func TestTokenResponsePathAndTokenParams(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) {
		p.TokenResponsePath = ptr("authed_user")
		p.TokenParams = map[string]*string{"audience": ptr("crm-api")}
	})
	f.p.setRespond(func(form url.Values) (int, any) {
		status, body := f.p.standard(form)
		if status != 200 {
			return status, body
		}
		m := body.(map[string]any)
		// Slack-style: the user's token sits under authed_user; the top level has none.
		inner := map[string]any{"access_token": m["access_token"], "refresh_token": m["refresh_token"], "expires_in": 600, "token_type": "user", "scope": "chat:write,users:read"}
		return 200, map[string]any{"ok": true, "team": map[string]any{"id": "T1"}, "authed_user": inner}
	})
	res := f.connect(t, alice, "")
	c := res.Connection
	if c.TokenType != "user" || !slices.Equal(c.Scopes, []string{"chat:write", "users:read"}) || !c.ExpiresAt.Equal(vaultEpoch.Add(10*time.Minute)) || !c.HasRefreshToken {
		t.Errorf("connection from a nested token response: %+v", c)
	}
	f.clock.Advance(9 * time.Minute)
	f.fetch(t, FetchRequest{Owner: alice})
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	if len(f.p.tokenForms) != 2 {
		t.Fatalf("%d token requests, want the exchange and one refresh", len(f.p.tokenForms))
	}
	for _, form := range f.p.tokenForms {
		if form.Get("audience") != "crm-api" {
			t.Errorf("%s request without the app's token params: %v", form.Get("grant_type"), form)
		}
	}
}

func TestTokenAndConnectionNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: "AT-secret-value", RefreshToken: "RT-secret-value", TokenType: "Bearer", Scopes: []string{"a"}}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("t", "token", tok, "ptr", &tok)
	out := fmt.Sprintf("%v %+v %#v %s %q", tok, tok, tok, tok, tok) + logs.String() + tok.String()
	if strings.Contains(out, "secret-value") || !strings.Contains(out, "REDACTED") {
		t.Errorf("a token printed its secrets: %s", out)
	}
	imp := ImportRequest{AppID: "crm", Owner: alice, AccessToken: "AT-secret-value", RefreshToken: "RT-secret-value", IDToken: "ID-secret-value"}
	logs.Reset()
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("t", "import", imp)
	out = logs.String() + fmt.Sprintf("%v %+v %#v %s %q", imp, imp, imp, &imp, imp)
	if strings.Contains(out, "secret-value") || !strings.Contains(out, "REDACTED") {
		t.Errorf("an import request printed its tokens: %s", out)
	}
}

func TestTokenAndImportRequestNeverMarshal(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: "AT-secret-value", RefreshToken: "RT-secret-value"}
	imp := ImportRequest{AppID: "crm", Owner: alice, AccessToken: "AT-secret-value"}
	for _, v := range []any{tok, &tok, map[string]any{"t": tok}, imp, &imp} {
		b, err := json.Marshal(v)
		if !errors.Is(err, ErrTokenMarshal) || strings.Contains(string(b), "secret-value") {
			t.Errorf("json.Marshal(%T) = %s, %v; want ErrTokenMarshal", v, b, err)
		}
	}
	for _, v := range []any{tok, imp} {
		b, err := yaml.Marshal(map[string]any{"v": v})
		if err == nil || strings.Contains(string(b), "secret-value") {
			t.Errorf("yaml.Marshal(%T) = %s, %v; want an error", v, b, err)
		}
	}
}

func TestReadTokenExpiry(t *testing.T) {
	t.Parallel()
	now := vaultEpoch
	app := &apps.App{}
	exp := now.Add(30 * time.Minute)
	tests := []struct {
		name  string
		extra map[string]any
		token string
		want  time.Time
	}{
		{"expires_in number", map[string]any{"expires_in": float64(120)}, "opaque", now.Add(2 * time.Minute)},
		{"expires_in string", map[string]any{"expires_in": "90"}, "opaque", now.Add(90 * time.Second)},
		{"zero expires_in", map[string]any{"expires_in": float64(0)}, "opaque", now.Add(time.Hour)},
		{"jwt exp", nil, testJWT(map[string]any{"exp": exp.Unix()}), exp},
		{"expired jwt exp: refreshed at once, never given a lifetime it does not have", nil, testJWT(map[string]any{"exp": now.Add(-time.Minute).Unix()}), now.Add(-time.Minute)},
		{"no expiry at all", nil, "opaque", now.Add(time.Hour)},
	}
	for _, tt := range tests {
		tok := oauthRefreshToken("").WithExtra(tt.extra)
		tok.AccessToken = tt.token
		if got := readToken(app, tok, now); !got.expiresAt.Equal(tt.want) {
			t.Errorf("%s: expiresAt %v, want %v", tt.name, got.expiresAt, tt.want)
		}
	}
}

func TestFreshCapsTheMarginAtHalfTheLifetime(t *testing.T) {
	t.Parallel()
	issued := vaultEpoch
	c := storedConn{Connection: Connection{ExpiresAt: issued.Add(10 * time.Minute)}, IssuedAt: issued}
	margin := 15 * time.Minute // longer than the token lives
	if !c.fresh(issued.Add(4*time.Minute), margin) {
		t.Error("a 10-minute token with a 15-minute margin is refreshed at once")
	}
	if c.fresh(issued.Add(6*time.Minute), margin) {
		t.Error("past half its life the token is not refreshed")
	}
}

// TestTokenRequestsInJSON: an app whose token endpoint takes JSON (Notion) sends the code
// exchange and the refresh as one JSON object, the client authenticated with HTTP Basic.
func TestTokenRequestsInJSON(t *testing.T) {
	t.Parallel()
	f := setupVault(t, func(p *apps.AppPatch) {
		p.TokenBodyFormat = ptr(apps.TokenBodyJSON)
		p.TokenAuthStyle = ptr(apps.TokenAuthHeader)
		p.TokenParams = map[string]*string{"owner": ptr("user")}
	})
	f.connect(t, alice, "")
	f.clock.Advance(59 * time.Minute)
	f.fetch(t, FetchRequest{Owner: alice})
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	if len(f.p.tokenForms) != 2 {
		t.Fatalf("%d token requests, want the exchange and one refresh", len(f.p.tokenForms))
	}
	for _, form := range f.p.tokenForms {
		if form.Get("json_body") != "true" || form.Get("owner") != "user" || form.Get("client_secret") != "" {
			t.Errorf("%s request: %v; want a JSON body with the token params and no secret in it", form.Get("grant_type"), form)
		}
	}
	if got := f.p.tokenForms[0].Get("code_verifier"); len(got) < 43 {
		t.Errorf("the JSON code exchange lost the PKCE verifier: %q", got)
	}
}
