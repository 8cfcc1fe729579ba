package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/outflowhq/outflow/store"
)

func ExampleStore_Put() {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Logger: slog.New(slog.DiscardHandler)}) // embedded
	if err != nil {
		panic(err)
	}
	defer s.Close()

	key := s.Keys().Execution("e1")
	rev, _ := s.Create(ctx, key, []byte(`{"step":"start"}`), time.Hour)
	fmt.Println("created at rev", rev)

	// Two requests race from the same revision: one wins, the other gets ErrConflict.
	rev, err = s.Put(ctx, key, 1, []byte(`{"step":"consent"}`), time.Hour)
	fmt.Println("first writer:", rev, err)
	_, err = s.Put(ctx, key, 1, []byte(`{"step":"other"}`), time.Hour)
	fmt.Println("second writer conflicts:", errors.Is(err, store.ErrConflict))

	rec, _ := s.Get(ctx, key)
	fmt.Println(rec.Rev, string(rec.Data))
	// Output:
	// created at rev 1
	// first writer: 2 <nil>
	// second writer conflicts: true
	// 2 {"step":"consent"}
}

func ExampleKeys() {
	k, err := store.NewKeys("of")
	if err != nil {
		panic(err)
	}
	fmt.Println(k.Execution("e1"))
	fmt.Println(k.Tokens("user", "ann@example.com", "google"))
	fmt.Println(k.RefreshLock("tenant", "acme:eu", "slack", "c1"))
	fmt.Println(k.Pattern())
	// Output:
	// of:{exec:e1}
	// of:{sub:user:ann@example.com}:tok:google
	// of:{sub:tenant:acme%3Aeu}:lock:slack:c1
	// of:*
}

func ExampleKeyring_Seal() {
	ring, err := store.ParseKeyring("k2026:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY=")
	if err != nil {
		panic(err)
	}
	owner := []byte("of:{sub:user:ann}:tok:google")
	sealed, _ := ring.Seal([]byte("ya29.secret-access-token"), owner)
	id, _ := ring.KeyIDOf(sealed)
	fmt.Println("sealed under", id)

	plain, _ := ring.Open(sealed, owner)
	fmt.Println(string(plain))

	_, err = ring.Open(sealed, []byte("of:{sub:user:bob}:tok:google"))
	fmt.Println(errors.Is(err, store.ErrSealBroken))
	// Output:
	// sealed under k2026
	// ya29.secret-access-token
	// true
}
