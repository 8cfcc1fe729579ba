package webhooks_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// newOptions returns valid Options on a fresh store.
func newOptions(t *testing.T) webhooks.Options {
	t.Helper()
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	return webhooks.Options{Store: storetest.New(t), Keyring: ring}
}

// wantInvalid checks that err wraps ErrInvalidOptions and has want as one of its lines.
func wantInvalid(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !errors.Is(err, webhooks.ErrInvalidOptions) || !slices.Contains(strings.Split(err.Error(), "\n"), want) {
		t.Fatalf("New: %v; want an error wrapping ErrInvalidOptions with %q", err, want)
	}
}

// A negative Retention is refused with an error naming it, instead of being replaced by the
// default; 0 still means the default.
func TestNewRefusesNegativeRetention(t *testing.T) {
	t.Parallel()
	opts := newOptions(t)
	opts.Retention = -time.Hour
	_, err := webhooks.New(opts)
	wantInvalid(t, err, "webhooks: Options.Retention is -1h0m0s; use a positive duration, or 0 for the default (168h0m0s)")
	opts.Retention = 0
	if _, err := webhooks.New(opts); err != nil {
		t.Fatalf("Retention 0 (the default): %v", err)
	}
}
