package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestScan(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := s.Keys()
		var want []string
		for i := range 1200 {
			key := k.Execution(string(rune('a'+i%26)) + string(rune('0'+i/26%10)) + string(rune('A'+i/260)))
			want = append(want, key)
		}
		want = append(want, k.AppIndex(), k.Tokens("user", "u*1", "g"))
		for _, key := range want {
			if err := s.SetValue(ctx, key, []byte("v"), 0); err != nil {
				t.Fatal(err)
			}
		}
		// A key under another prefix must not show up.
		other, keysErr := store.NewKeys(k.Prefix() + "x")
		if keysErr != nil {
			t.Fatal(keysErr)
		}
		if err := s.SetValue(ctx, other.Execution("zz"), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Delete(context.Background(), other.Execution("zz")) })

		seen := map[string]bool{}
		if err := s.Scan(ctx, k.Pattern(), func(key string) error { seen[key] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		var got []string
		for key := range seen {
			got = append(got, key)
		}
		slices.Sort(got)
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(got, want) {
			t.Fatalf("Scan found %d keys, want %d", len(got), len(want))
		}

		stop := errors.New("stop")
		calls := 0
		err := s.Scan(ctx, k.Pattern(), func(string) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Fatalf("Scan with a failing callback = %v after %d calls; want the callback's error after 1", err, calls)
		}
	})
}
