package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// hanging opens a store on a Redis that answers the opening PING and then stops answering, as a
// Redis stopped with SIGSTOP does.
func hanging(t *testing.T, opts store.Options) *store.Store {
	t.Helper()
	proxy, pause := storetest.Pausable(t, miniredis.RunT(t).Addr())
	opts.URL = "redis://" + proxy + "/0"
	s, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	pause()
	return s
}

// Every call to a Redis that hangs ends at the store's command timeout, even for a caller
// without a deadline (go-redis alone waits out its read timeout and retries, 10 seconds), and
// fails with ErrUnavailable: commands, scripts and pipelines alike.
func TestCallsToAHangingRedisEndAtTheCommandTimeout(t *testing.T) {
	t.Parallel()
	s := hanging(t, store.Options{CommandTimeout: 300 * time.Millisecond})
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"a command": func() error { _, err := s.GetValue(ctx, s.Keys().App("a")); return err },
		"a script":  func() error { _, err := s.Put(ctx, s.Keys().App("a"), 0, []byte("{}"), 0); return err },
		"a pipeline": func() error {
			_, _, err := s.GetWith(ctx, s.Keys().APIKeys("user", "u", "a"), s.Keys().APIKeyPrevious("user", "u", "a"))
			return err
		},
	} {
		start := time.Now()
		err := call()
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s took %s, want about 300ms", name, took)
		}
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", name, err)
		}
	}
}

// A caller's own deadline, sooner than the command timeout, ends the call with the caller's
// error, which is not unavailability.
func TestACallersDeadlineEndsACallToAHangingRedis(t *testing.T) {
	t.Parallel()
	s := hanging(t, store.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.GetValue(ctx, s.Keys().App("a"))
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the call took %s, want about 200ms", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("err = %v, want the caller's deadline", err)
	}
}
