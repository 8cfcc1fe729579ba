package oauth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// Tokens that do not open with the keyring (here sealed by a key with the same id and other
// bytes, as an instance started with the wrong key would) are never overwritten or dropped: a
// grant that would renew their connection, or push it out of a full record, fails with
// ErrSecretUnreadable and leaves the record as it was.
func TestGrantsNeverOverwriteTokensThatDoNotOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		before int // connections imported before the one that does not open
		next   string
	}{
		"a reconnect of that connection":    {next: "x0"},
		"a new connection in a full record": {before: maxConnectionsPerGrant - 1, next: "new"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setupVault(t)
			imp := func(externalID string) error {
				_, err := f.v.Import(ctx, ImportRequest{AppID: "crm", Owner: alice, AccessToken: "AT-" + externalID,
					RefreshToken: "RT-" + externalID, ExternalID: externalID, ExpiresAt: vaultEpoch.Add(time.Hour)})
				return err
			}
			for i := range tc.before + 1 {
				f.clock.Advance(time.Second) // x0 is the oldest
				if err := imp(fmt.Sprintf("x%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			g, rev := rawGrant(t, f.s, "crm", alice)
			wrong, err := store.ParseKeyring(mustKey(t, "k1"))
			if err != nil {
				t.Fatal(err)
			}
			c := &g.Conns[slices.IndexFunc(g.Conns, func(c storedConn) bool { return c.ExternalID == "x0" })]
			c.Access, _ = wrong.Seal([]byte("AT-x0"), tokenAAD(c, fieldAccess))
			c.Refresh, _ = wrong.Seal([]byte("RT-x0"), tokenAAD(c, fieldRefresh))
			putRawGrant(t, f.s, "crm", alice, g, rev)
			before, _ := rawGrant(t, f.s, "crm", alice)

			err = imp(tc.next)
			var ue *outbound.SecretUnreadableError
			if !errors.Is(err, outbound.ErrSecretUnreadable) || !errors.As(err, &ue) || ue.KeyID != "k1" {
				t.Fatalf("a grant over tokens that do not open: %v, want ErrSecretUnreadable naming k1", err)
			}
			if after, _ := rawGrant(t, f.s, "crm", alice); !reflect.DeepEqual(after, before) {
				t.Error("the record changed")
			}
		})
	}
}

func mustKey(t *testing.T, id string) string {
	t.Helper()
	e, err := store.GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
