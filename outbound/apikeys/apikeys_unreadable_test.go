package apikeys_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// A stored key that does not open with the keyring — a key with its sealing key's id and other
// bytes, or a keyring that dropped its sealing key — is never replaced: Put fails with
// ErrSecretUnreadable naming the key id and never a key, and the stored key still opens with
// the right keyring, unchanged.
func TestPutNeverReplacesAKeyThatDoesNotOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, spec := range map[string]func(activeID string) string{
		"the same key id with other bytes": func(id string) string { return mustGenerate(t, id) },
		"a keyring without that key id":    func(string) string { return mustGenerate(t, "other") },
	} {
		for _, noOverlap := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, noOverlap %v", name, noOverlap), func(t *testing.T) {
				t.Parallel()
				e := keysSetup(t, storetest.New(t))
				e.createKeyApp(t, "openai", nil)
				if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(goodKey)}); err != nil {
					t.Fatal(err)
				}
				wrong, err := store.ParseKeyring(spec(e.keyring.ActiveID()))
				if err != nil {
					t.Fatal(err)
				}
				_, keys := e.open(t, wrong)
				_, err = keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(otherKey), NoOverlap: noOverlap})
				var ue *outbound.SecretUnreadableError
				if !errors.Is(err, outbound.ErrSecretUnreadable) || !errors.As(err, &ue) || ue.KeyID != e.keyring.ActiveID() {
					t.Fatalf("Put over a key that does not open (noOverlap %v): %v, want ErrSecretUnreadable naming key %s", noOverlap, err, e.keyring.ActiveID())
				}
				if strings.Contains(err.Error(), goodKey) || strings.Contains(err.Error(), otherKey) {
					t.Errorf("the error shows a key: %v", err)
				}
				got, err := e.keys.Fetch(ctx, ann, "openai")
				if err != nil || got.APIKey.Reveal() != goodKey || got.Version != 1 {
					t.Errorf("the stored key with the right keyring: %v, want version 1 unchanged", err)
				}
				e.noKeyLeaks(t, goodKey, otherKey)
			})
		}
	}
}

func mustGenerate(t *testing.T, id string) string {
	t.Helper()
	e, err := store.GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
