package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// Open gives up once its PING has had Options.PingTimeout, whatever the client would wait for:
// a Sentinel with nothing listening (which go-redis retries for over half a minute) or a Redis
// that accepts connections and never answers, with a longer read timeout, fails Open with
// ErrUnavailable and says what to check.
func TestOpenGivesUpOnARedisThatDoesNotAnswer(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]string{
		"a Sentinel with nothing listening": "redis+sentinel://" + closedPort(t) + "/mymaster",
		"a Redis that never answers":        "redis://" + storetest.Silent(t) + "/0?read_timeout=1m",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := store.Open(context.Background(), store.Options{URL: url, PingTimeout: 300 * time.Millisecond})
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("Open took %s", took)
			}
			if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "no answer within 300ms") {
				t.Errorf("err = %v, want ErrUnavailable that says Redis did not answer in time", err)
			}
		})
	}
}

// Open's PING has its own bound, longer than the bound of later calls when so configured.
func TestOpensPingIsBoundByPingTimeoutAlone(t *testing.T) {
	t.Parallel()
	_, err := store.Open(context.Background(), store.Options{URL: "redis://" + storetest.Silent(t) + "/0",
		PingTimeout: 600 * time.Millisecond, CommandTimeout: 100 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "no answer within 600ms") {
		t.Errorf("err = %v, want ErrUnavailable that says Redis did not answer within 600ms", err)
	}
}

// The caller's own deadline is not unavailability: Open ends with it, though the client it gives
// up on is still asking every Sentinel.
func TestOpenEndsWithTheCallersContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := store.Open(ctx, store.Options{URL: "redis+sentinel://" + closedPort(t) + "/mymaster"})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("err = %v, want the caller's deadline", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Open took %s to return after a 100ms deadline", took)
	}
}

// A refused connection is retried until the PING's deadline, which would hide why: Open's error
// says what the last attempt to connect met.
func TestOpenSaysWhyItCouldNotConnect(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	_, err := store.Open(context.Background(), store.Options{URL: "redis://:pa55word@" + addr + "/0", PingTimeout: 300 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "the last attempt to connect: dial tcp "+addr) ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v, want ErrUnavailable naming the refused connection", err)
	}
	if err != nil && strings.Contains(err.Error(), "pa55word") {
		t.Errorf("the error shows the password: %v", err)
	}
}
