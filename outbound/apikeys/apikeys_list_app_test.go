package apikeys_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestListAppShowsEveryOwnersKeyByItsLastFourOnly(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)
		for _, o := range []outbound.Owner{{UserID: "ann"}, {TenantID: "acme"}} {
			if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: o, APIKey: outbound.NewSecret(goodKey)}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := e.keys.ListApp(ctx, "openai")
		if err != nil || len(list) != 2 {
			t.Fatalf("ListApp = %+v, %v", list, err)
		}
		if list[0].Owner.TenantID != "acme" || list[1].Owner.UserID != "ann" || list[1].Last4 != "ghij" || list[1].Version != 1 {
			t.Errorf("list %+v", list)
		}
		if err := e.keys.Delete(ctx, outbound.Owner{UserID: "ann"}, "openai"); err != nil {
			t.Fatal(err)
		}
		if list, _ := e.keys.ListApp(ctx, "openai"); len(list) != 1 {
			t.Errorf("after a delete: %+v", list)
		}
		if _, err := e.keys.ListApp(ctx, "bad id!"); err == nil || !strings.HasPrefix(err.Error(), "apikeys: ") {
			t.Errorf("a bad id: %v", err)
		}
	})
}
