package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// rawGrant reads the stored record of (app, owner) as it is in Redis.
func rawGrant(t *testing.T, s *store.Store, appID string, o outbound.Owner) (grantRecord, int64) {
	t.Helper()
	rec, err := s.Get(context.Background(), s.Keys().Tokens(o.Kind(), o.ID(), appID))
	if err != nil {
		t.Fatal(err)
	}
	var g grantRecord
	if err := json.Unmarshal(rec.Data, &g); err != nil {
		t.Fatal(err)
	}
	return g, rec.Rev
}

// putRawGrant writes a record of (app, owner) as is, whatever it says inside.
func putRawGrant(t *testing.T, s *store.Store, appID string, o outbound.Owner, g any, rev int64) {
	t.Helper()
	data, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), s.Keys().Tokens(o.Kind(), o.ID(), appID), rev, data, 0); err != nil {
		t.Fatal(err)
	}
}

// A sealed token is bound to its owner: copied into another owner's record, alone or with the
// whole record, it does not open, and is never served to that owner.
func TestSealedTokensAreBoundToTheirOwner(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	bob := outbound.Owner{UserID: "bob"}
	f.connect(t, alice, "")
	f.connect(t, bob, "")
	alices, _ := f.fetch(t, FetchRequest{Owner: alice})

	steal := func(name string, fn func(theirs, mine *grantRecord)) {
		t.Run(name, func(t *testing.T) {
			theirs, _ := rawGrant(t, f.s, "crm", alice)
			mine, rev := rawGrant(t, f.s, "crm", bob)
			fn(&theirs, &mine)
			putRawGrant(t, f.s, "crm", bob, mine, rev)
			tok, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: bob})
			if tok != nil && tok.AccessToken == alices.AccessToken {
				t.Fatal("bob was served alice's token")
			}
			if !errors.Is(err, store.ErrSealBroken) {
				t.Errorf("fetch of a token sealed for another owner: %v, want ErrSealBroken", err)
			}
		})
	}
	steal("the connection copied into another owner's record", func(theirs, mine *grantRecord) {
		mine.Conns = theirs.Conns
	})
	steal("the whole record copied under another owner's key", func(theirs, mine *grantRecord) {
		*mine = *theirs
	})
	if tok, _ := f.fetch(t, FetchRequest{Owner: alice}); tok.AccessToken != alices.AccessToken {
		t.Error("alice's own token no longer opens")
	}
}

// makeLegacy rewrites the owner's record the way it was stored before tokens were bound to
// their owner: sealed naming only the connection and the field.
func makeLegacy(t *testing.T, f *vaultFixture, o outbound.Owner, tok *Token) {
	t.Helper()
	g, rev := rawGrant(t, f.s, "crm", o)
	c := &g.Conns[0]
	legacy := func(field, plain string) string {
		s, err := f.v.opts.Keyring.Seal([]byte(plain), []byte("outflow/connection/"+c.ID+"/"+field))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	c.Access, c.Refresh, c.SealV = legacy(fieldAccess, tok.AccessToken), legacy(fieldRefresh, tok.RefreshToken), 0
	g.V = 1
	putRawGrant(t, f.s, "crm", o, g, rev)
}

// Tokens sealed before owners were bound keep opening; Reseal seals them again bound to their
// owner, after which a copy to another owner no longer opens.
func TestTokensSealedBeforeOwnerBindingOpenAndAreResealed(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	f.connect(t, alice, "")
	want, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	makeLegacy(t, f, alice, want)

	if tok, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true}); tok.AccessToken != want.AccessToken || tok.RefreshToken != want.RefreshToken {
		t.Fatal("a record sealed before owners were bound no longer opens")
	}
	rep, err := f.v.Reseal(ctx)
	if err != nil || rep.Resealed != 1 {
		t.Fatalf("reseal: %+v %v; want the old record sealed again", rep, err)
	}
	g, _ := rawGrant(t, f.s, "crm", alice)
	if g.V != grantRecordVersion || g.Conns[0].SealV != sealBound {
		t.Errorf("after reseal: record version %d, seal version %d", g.V, g.Conns[0].SealV)
	}
	if tok, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true}); tok.AccessToken != want.AccessToken || tok.RefreshToken != want.RefreshToken {
		t.Error("the resealed record does not open")
	}
	bob := outbound.Owner{UserID: "bob"}
	f.connect(t, bob, "")
	mine, rev := rawGrant(t, f.s, "crm", bob)
	mine.Conns = g.Conns
	putRawGrant(t, f.s, "crm", bob, mine, rev)
	if _, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: bob}); !errors.Is(err, store.ErrSealBroken) {
		t.Errorf("a resealed token copied to another owner: %v, want ErrSealBroken", err)
	}
}

// A refresh of an old-style connection whose provider returns no new refresh token keeps the old
// one, sealed again bound to its owner.
func TestRefreshKeepingAnOldStyleRefreshTokenBindsIt(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	f.connect(t, alice, "")
	before, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	makeLegacy(t, f, alice, before)
	f.p.mu.Lock()
	f.p.rotate = false
	f.p.mu.Unlock()
	f.clock.Advance(time.Hour)
	tok, _ := f.fetch(t, FetchRequest{Owner: alice, WithRefreshToken: true})
	if tok.AccessToken == before.AccessToken || tok.RefreshToken != before.RefreshToken {
		t.Fatalf("after the refresh: new access token %v, same refresh token %v", tok.AccessToken != before.AccessToken, tok.RefreshToken == before.RefreshToken)
	}
	if g, _ := rawGrant(t, f.s, "crm", alice); g.Conns[0].SealV != sealBound {
		t.Errorf("seal version %d after the refresh, want %d for both tokens", g.Conns[0].SealV, sealBound)
	}
}
