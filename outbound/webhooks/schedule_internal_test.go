package webhooks

import (
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// Every instance has a retry schedule of its own: changing one, or the slice a host passed in,
// changes no other.
func TestEachInstanceOwnsItsRetrySchedule(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	newHooks := func(schedule []time.Duration) *Webhooks {
		t.Helper()
		w, err := New(Options{Store: st, Keyring: ring, RetrySchedule: schedule})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := newHooks(nil), newHooks(nil)
	first := b.opts.RetrySchedule[0]
	a.opts.RetrySchedule[0] = time.Nanosecond
	if b.opts.RetrySchedule[0] != first {
		t.Fatal("two instances share the default retry schedule")
	}
	given := []time.Duration{time.Second, time.Minute}
	c := newHooks(given)
	given[0] = time.Hour
	if c.opts.RetrySchedule[0] != time.Second {
		t.Fatal("changing the schedule a host passed in changed the instance's")
	}
}
