package oauth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestMetadataRules(t *testing.T) {
	t.Parallel()
	many := map[string]any{}
	for i := range MaxMetadataKeys + 1 {
		many[fmt.Sprintf("k%d", i)] = true
	}
	big := map[string]any{}
	for i := range 10 {
		big[fmt.Sprintf("k%d", i)] = strings.Repeat("x", MaxMetadataString)
	}
	for _, tc := range []struct {
		name  string
		patch map[string]any
		field string // the field refused, "" when accepted
	}{
		{"string, number, bool", map[string]any{"region": "eu", "seats": 3, "beta": true, "ratio": 0.5}, ""},
		{"null removes", map[string]any{"gone": nil}, ""},
		{"key with a dash", map[string]any{"crm-region": "eu"}, "metadata.crm-region"},
		{"key starting with a digit", map[string]any{"1st": "x"}, "metadata.1st"},
		{"secret-looking key", map[string]any{"refreshToken": "x"}, "metadata.refreshToken"},
		{"password key", map[string]any{"dbPassword": "x"}, "metadata.dbPassword"},
		{"object value", map[string]any{"nested": map[string]any{"a": 1}}, "metadata.nested"},
		{"list value", map[string]any{"list": []any{"a"}}, "metadata.list"},
		{"NaN", map[string]any{"n": math.NaN()}, "metadata.n"},
		{"long string", map[string]any{"s": strings.Repeat("x", MaxMetadataString+1)}, "metadata.s"},
		{"too many keys", many, "metadata"},
		{"too large", big, "metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergeMetadata(map[string]any{"gone": "x"}, tc.patch, "metadata")
			var inv *outbound.InvalidError
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &inv) || inv.Fields[0].Field != tc.field):
				t.Errorf("err %v, want the field %s refused", err, tc.field)
			}
		})
	}
}

func TestMergeMetadataKeepsTheRest(t *testing.T) {
	t.Parallel()
	base := map[string]any{"a": "1", "b": float64(2)}
	got, err := MergeMetadata(base, map[string]any{"b": nil, "c": true}, "metadata")
	if err != nil || len(got) != 2 || got["a"] != "1" || got["c"] != true || len(base) != 2 {
		t.Errorf("merge %v %v (base now %v)", got, err, base)
	}
	if got, _ := MergeMetadata(map[string]any{"a": "1"}, map[string]any{"a": nil}, "metadata"); got != nil {
		t.Errorf("removing the last key left %v, want none", got)
	}
}

// TestUpdateMetadataFromTwoInstances: two vaults on one Redis, as two instances, patch one
// connection's metadata concurrently while a third refreshes its token; every key and the
// refreshed token are kept.
func TestUpdateMetadataFromTwoInstances(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		f := setupVaultOn(t, s)
		id := f.connect(t, alice, "").ConnectionID
		other := mustVault(t, f.apps, VaultOptions{})
		const n = 24
		var wg sync.WaitGroup
		errs := make(chan error, n+1)
		for i := range n {
			wg.Go(func() {
				v := f.v
				if i%2 == 1 {
					v = other
				}
				if _, err := v.UpdateMetadata(context.Background(), id, map[string]any{fmt.Sprintf("k%d", i): i}); err != nil {
					errs <- err
				}
			})
		}
		wg.Go(func() {
			if _, _, err := other.Fetch(context.Background(), FetchRequest{AppID: "crm", Owner: alice, ForceRefresh: true}); err != nil {
				errs <- err
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		c, err := f.v.Connection(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Metadata) != n || c.LastRefreshAt.IsZero() {
			t.Errorf("%d keys kept of %d, refreshed at %v: a write was lost", len(c.Metadata), n, c.LastRefreshAt)
		}
		if _, err := f.v.UpdateMetadata(context.Background(), id, map[string]any{"apiKey": "sk-123"}); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("a secret-looking key: %v", err)
		}
		if _, err := f.v.UpdateMetadata(context.Background(), "cn_unknown", map[string]any{"a": 1}); !errors.Is(err, ErrConnectionNotFound) {
			t.Errorf("an unknown connection: %v", err)
		}
	})
}

// TestTargetedConnect: a connect naming a connection takes its app, owner, external id and
// scopes, refuses another owner's, and a consent whose connection went away meanwhile stores
// nothing.
func TestTargetedConnect(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	id := f.connect(t, alice, "work").ConnectionID
	for _, req := range []ConnectRequest{
		{ConnectionID: id, Owner: acme},
		{ConnectionID: id, ExternalID: "home"},
		{ConnectionID: "cn_unknown"},
		{ConnectionID: id, Metadata: map[string]any{"secretSauce": "x"}},
	} {
		if _, err := f.v.Connect(ctx, req); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("connect %+v: %v, want an invalid request", req, err)
		}
	}
	cr, err := f.v.Connect(ctx, ConnectRequest{ConnectionID: id, Scopes: []string{"contacts.write"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cr.URL, "scope=contacts.read+offline_access+contacts.write") {
		t.Errorf("authorization URL %s: want the held scopes and the new one", cr.URL)
	}
	if _, err := f.v.Disconnect(ctx, DisconnectRequest{ConnectionID: id, SkipRevoke: true}); err != nil {
		t.Fatal(err)
	}
	res, err := f.v.HandleCallback(ctx, "crm", f.p.issueCode(t, cr.URL), "")
	if err != nil || res.Outcome != OutcomeError || res.ErrorCode != ErrorConnectionGone {
		t.Fatalf("callback for a deleted connection: %+v %v", res, err)
	}
	if list, _ := f.v.List(ctx, alice, ""); len(list) != 0 {
		t.Errorf("%d connections stored", len(list))
	}
}
