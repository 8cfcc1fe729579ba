package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// keyringOf parses a keyring spec or fails the test.
func keyringOf(t *testing.T, spec string) *store.Keyring {
	t.Helper()
	k, err := store.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// generated returns a new keyring entry "id:BASE64".
func generated(t *testing.T, id string) string {
	t.Helper()
	e, err := store.GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A key with the right id and the wrong bytes does not pass the check: the error names the key
// id and holds no key material. The right key passes, again and again.
func TestCheckKeyringRefusesTheWrongBytesUnderAKnownID(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		right, wrong := generated(t, "k1"), generated(t, "k1")
		for range 2 {
			if err := s.CheckKeyring(ctx, keyringOf(t, right)); err != nil {
				t.Fatalf("the right key: %v", err)
			}
		}
		err := s.CheckKeyring(ctx, keyringOf(t, wrong))
		var ke *store.KeyringError
		if !errors.Is(err, store.ErrKeyringMismatch) || !errors.As(err, &ke) || ke.KeyID != "k1" || !strings.Contains(err.Error(), `"k1"`) {
			t.Fatalf("the wrong key: %v, want a KeyringError naming k1", err)
		}
		for _, entry := range []string{right, wrong} {
			_, b64, _ := strings.Cut(entry, ":")
			if strings.Contains(err.Error(), b64) {
				t.Errorf("the error shows key material: %v", err)
			}
		}
	})
}

// Rotation: a new key put first is checked from its first start on; the old key stays checked
// while it is in the ring, and a ring that dropped it passes.
func TestCheckKeyringFollowsRotation(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		oldKey, newKey := generated(t, "old"), generated(t, "new")
		for _, spec := range []string{oldKey, newKey + "," + oldKey, newKey} {
			if err := s.CheckKeyring(ctx, keyringOf(t, spec)); err != nil {
				t.Fatalf("keyring %s: %v", keyringOf(t, spec), err)
			}
		}
		for _, spec := range []string{newKey + "," + generated(t, "old"), generated(t, "new") + "," + oldKey} {
			ring := keyringOf(t, spec)
			if err := s.CheckKeyring(ctx, ring); !errors.Is(err, store.ErrKeyringMismatch) {
				t.Errorf("keyring %s with one wrong key: %v, want ErrKeyringMismatch", ring, err)
			}
		}
	})
}

// The check value is bound to its record: one key's check value copied onto another key id's
// record does not pass for it.
func TestCheckValueIsBoundToItsKeyID(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ctx := context.Background()
	k1, k2 := generated(t, "k1"), generated(t, "k2")
	if err := s.CheckKeyring(ctx, keyringOf(t, k1)); err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	v, err := c.Get(ctx, s.Keys().KeyCheck("k1")).Result()
	if err != nil {
		t.Fatalf("no check value for k1: %v", err)
	}
	if err := c.Set(ctx, s.Keys().KeyCheck("k2"), v, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckKeyring(ctx, keyringOf(t, k2)); !errors.Is(err, store.ErrKeyringMismatch) {
		t.Errorf("k2 against k1's check value: %v, want ErrKeyringMismatch", err)
	}
}
