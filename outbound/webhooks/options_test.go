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

// DefaultRetrySchedule returns a new slice each time, so no caller can change another's.
func TestDefaultRetryScheduleIsAFreshCopy(t *testing.T) {
	t.Parallel()
	a := webhooks.DefaultRetrySchedule()
	want := slices.Clone(a)
	a[0] = time.Nanosecond
	if b := webhooks.DefaultRetrySchedule(); !slices.Equal(b, want) {
		t.Fatalf("DefaultRetrySchedule() = %v after a caller changed its copy, want %v", b, want)
	}
}

// A wait that is not positive is refused with an error naming its place in the schedule.
func TestNewRefusesARetryScheduleWithoutPositiveWaits(t *testing.T) {
	t.Parallel()
	opts := newOptions(t)
	opts.RetrySchedule = []time.Duration{time.Second, 0}
	_, err := webhooks.New(opts)
	wantInvalid(t, err, "webhooks: Options.RetrySchedule[1] is 0s; each wait must be a positive duration")
	opts.RetrySchedule = []time.Duration{-time.Minute}
	_, err = webhooks.New(opts)
	wantInvalid(t, err, "webhooks: Options.RetrySchedule[0] is -1m0s; each wait must be a positive duration")
}
