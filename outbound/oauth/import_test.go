package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestImportOneAndFetch(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	exp := vaultEpoch.Add(40 * time.Minute)
	c, err := f.v.Import(ctx, ImportRequest{
		AppID: "crm", Owner: acme, AccessToken: "AT-imported-1", RefreshToken: "RT-imported-1",
		ExpiresAt: exp, Scopes: []string{"contacts.read"}, ExternalID: "acme-main", GrantedBy: "migration",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Owner != acme || c.GrantedBy != "migration" || !c.ExpiresAt.Equal(exp) || c.ExpirySource != ExpiryImported || !c.HasRefreshToken {
		t.Errorf("imported connection %+v", c)
	}
	tok, _ := f.fetch(t, FetchRequest{Owner: acme, Scopes: []string{"contacts.read"}})
	if tok.AccessToken != "AT-imported-1" {
		t.Error("the imported token is not served")
	}
	for _, imported := range []string{"AT-imported-1", "RT-imported-1"} {
		if hits := storetest.Find(t, f.s, imported); len(hits) > 0 {
			t.Errorf("an imported token is stored in plain text in %v", hits)
		}
	}
}

func TestImportOnlyARefreshTokenRefreshesOnFirstFetch(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	rt := f.connect(t, alice, "") // get a refresh token the provider knows
	tok, _ := f.fetch(t, FetchRequest{Owner: alice, ConnectionID: rt.ConnectionID, WithRefreshToken: true})
	if _, err := f.v.Import(context.Background(), ImportRequest{AppID: "crm", Owner: acme, RefreshToken: tok.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	got, c := f.fetch(t, FetchRequest{Owner: acme})
	if got.AccessToken == "" || f.p.refreshCalls.Load() != 1 || !c.ExpiresAt.After(f.clock.Now()) {
		t.Errorf("refresh calls %d, connection %+v", f.p.refreshCalls.Load(), c)
	}
}

func TestImportVerify(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	_, err := f.v.Import(ctx, ImportRequest{AppID: "crm", Owner: acme, RefreshToken: "RT-unknown", Verify: true})
	var ve *VerifyError
	if !errors.As(err, &ve) || !errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("unknown refresh token verified: %v", err)
	}
	if list, _ := f.v.List(ctx, acme, ""); len(list) != 0 {
		t.Error("a refused import was stored")
	}
	res := f.connect(t, alice, "")
	tok, _ := f.fetch(t, FetchRequest{Owner: alice, ConnectionID: res.ConnectionID, WithRefreshToken: true})
	c, err := f.v.Import(ctx, ImportRequest{AppID: "crm", Owner: acme, RefreshToken: tok.RefreshToken, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	// The provider rotated the imported refresh token: the new one is what is stored.
	got, _ := f.fetch(t, FetchRequest{Owner: acme, ConnectionID: c.ID, WithRefreshToken: true})
	if got.RefreshToken == tok.RefreshToken || got.RefreshToken == "" || !slices.Equal(c.Scopes, []string{"contacts.read", "offline_access"}) {
		t.Errorf("after a verified import: rotated=%v scopes=%v", got.RefreshToken != tok.RefreshToken, c.Scopes)
	}
}

func TestImportBatchIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	good := ImportRequest{AppID: "crm", Owner: alice, AccessToken: "AT-b1", Scopes: []string{"contacts.read"}}
	_, err := f.v.ImportBatch(ctx, []ImportRequest{
		good,
		{AppID: "nope", Owner: alice, AccessToken: "AT-b2"},
		{AppID: "crm", AccessToken: "AT-b3"},
		{AppID: "crm", Owner: acme},
		{AppID: "crm", Owner: acme, RefreshToken: "RT-b5", Verify: true},
	})
	var re *outbound.InvalidError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want an InvalidError", err)
	}
	want := []string{"tokens[1].appId", "tokens[2].userId", "tokens[3].accessToken", "tokens[4].verify"}
	var got []string
	for _, fe := range re.Fields {
		got = append(got, fe.Field)
	}
	if !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	if list, _ := f.v.List(ctx, alice, ""); len(list) != 0 {
		t.Fatal("an invalid batch stored something")
	}
	conns, err := f.v.ImportBatch(ctx, []ImportRequest{
		good,
		{AppID: "crm", Owner: alice, AccessToken: "AT-b6", Scopes: []string{"contacts.write"}},
		{AppID: "crm", Owner: acme, AccessToken: "AT-b7", ExternalID: "x"},
	})
	if err != nil || len(conns) != 3 {
		t.Fatalf("valid batch: %d %v", len(conns), err)
	}
	if list, _ := f.v.List(ctx, alice, "crm"); len(list) != 2 {
		t.Errorf("alice has %d connections, want 2", len(list))
	}
	tok, _ := f.fetch(t, FetchRequest{Owner: acme, ExternalID: "x"})
	if tok.AccessToken != "AT-b7" {
		t.Error("batch token not served")
	}
}

func TestImportRejectsBadRequests(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	_, err := f.v.Import(context.Background(), ImportRequest{AppID: "crm", Owner: alice, Scopes: []string{"a b"}, Verify: true})
	var re *outbound.InvalidError
	if !errors.As(err, &re) || len(re.Fields) != 3 {
		t.Errorf("err = %v, want accessToken, verify and scopes[0] problems", err)
	}
	f.p.setRespond(func(url.Values) (int, any) { t.Error("the provider was called for an invalid import"); return 500, nil })
}

// A token no HTTP request could carry (a line break, a control character, or a length no header
// takes) is refused at import, naming the field and never the token; so are odd scopes.
func TestImportRefusesTokensNoRequestCouldCarry(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	for name, tc := range map[string]struct {
		req   ImportRequest
		field string
	}{
		"a line break":       {ImportRequest{AccessToken: "SEKRET\r\nX-Injected: 1"}, "accessToken"},
		"a NUL":              {ImportRequest{AccessToken: "ok", RefreshToken: "RSEKRET\x00"}, "refreshToken"},
		"non-ASCII":          {ImportRequest{AccessToken: "SEKRÉT"}, "accessToken"},
		"too long":           {ImportRequest{AccessToken: strings.Repeat("S", maxTokenLen+1)}, "accessToken"},
		"a scope with a NUL": {ImportRequest{AccessToken: "ok", Scopes: []string{"read\x00"}}, "scopes[0]"},
		"a scope too long":   {ImportRequest{AccessToken: "ok", Scopes: []string{strings.Repeat("s", maxScopeLen+1)}}, "scopes[0]"},
	} {
		tc.req.AppID, tc.req.Owner = "crm", alice
		_, err := f.v.Import(context.Background(), tc.req)
		var re *outbound.InvalidError
		if !errors.As(err, &re) || len(re.Fields) != 1 || re.Fields[0].Field != tc.field {
			t.Errorf("%s: err = %v, want one problem with %s", name, err, tc.field)
			continue
		}
		if strings.Contains(err.Error(), "SEKR") {
			t.Errorf("%s: the error quotes the token: %v", name, err)
		}
	}
	if _, err := f.v.Import(context.Background(), ImportRequest{AppID: "crm", Owner: alice, AccessToken: "a b~!"}); err != nil {
		t.Errorf("a token of printable ASCII, a space included (RFC 6749 VSCHAR): %v", err)
	}
}

// A fetch asks only for scopes a provider could have granted.
func TestFetchRefusesOddScopes(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	for _, s := range []string{"", "read\x00", "a b", strings.Repeat("s", maxScopeLen+1)} {
		_, _, err := f.v.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice, Scopes: []string{s}})
		var re *outbound.InvalidError
		if !errors.As(err, &re) || len(re.Fields) != 1 || re.Fields[0].Field != "scopes[0]" {
			t.Errorf("scope %.20q: err = %v, want a scopes[0] problem", s, err)
		}
	}
}
