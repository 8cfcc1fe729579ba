package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/outflowhq/outflow/store"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newTestOutflow builds the host's Outflow on an embedded store with its flows loaded.
func newTestOutflow(t testing.TB, publicURL string) *outflow {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keyring, err := openKeyring(st, "")
	if err != nil {
		t.Fatal(err)
	}
	o, err := build(st, keyring, publicURL, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.close)
	if err := o.addFlows(ctx); err != nil {
		t.Fatal(err)
	}
	return o
}
