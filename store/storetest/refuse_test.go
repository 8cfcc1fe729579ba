package storetest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// While on, a Refusal fails the writes of its key, and only those; reads go on.
func TestRefuseWritesFailsOnlyTheWritesOfItsKey(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		key, other := s.Keys().Tokens("user", "alice", "crm"), s.Keys().Tokens("user", "bob", "crm")
		index := s.Keys().SubjectIndex("user", "alice")
		rev, err := s.PutIndexed(ctx, store.IndexedPut{Key: key, Data: []byte("v1"), IndexKey: index, Member: key})
		if err != nil {
			t.Fatal(err)
		}
		r := storetest.RefuseWrites(s, key)
		if _, err := s.PutIndexed(ctx, store.IndexedPut{Key: key, ExpectRev: rev, Data: []byte("v2"), IndexKey: index, Member: key}); err == nil || errors.Is(err, store.ErrConflict) {
			t.Fatalf("a refused write: %v; want Redis's out-of-memory error", err)
		}
		if rec, err := s.Get(ctx, key); err != nil || string(rec.Data) != "v1" {
			t.Fatalf("a read while writes are refused: %q, %v", rec.Data, err)
		}
		if _, err := s.PutIndexed(ctx, store.IndexedPut{Key: other, Data: []byte("b"), IndexKey: s.Keys().SubjectIndex("user", "bob"), Member: other}); err != nil {
			t.Fatalf("a write of another key: %v", err)
		}
		r.Set(false)
		if _, err := s.PutIndexed(ctx, store.IndexedPut{Key: key, ExpectRev: rev, Data: []byte("v2"), IndexKey: index, Member: key}); err != nil || r.Refused() != 1 {
			t.Fatalf("a write once the refusal is off: %v (%d refused)", err, r.Refused())
		}
	})
}
