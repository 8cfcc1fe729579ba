package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// redisError is a server error reply, as go-redis reports one.
type redisError string

func (e redisError) Error() string { return string(e) }
func (redisError) RedisError()     {}

func TestWrapErr(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name        string
		ctx         context.Context
		err         error
		notFound    bool
		unavailable bool
	}{
		{"nil reply", context.Background(), redis.Nil, true, false},
		{"dial refused", context.Background(), dial, false, true},
		{"eof", context.Background(), io.EOF, false, true},
		{"closed client", context.Background(), redis.ErrClosed, false, true},
		{"pool timeout", context.Background(), redis.ErrPoolTimeout, false, true},
		{"loading", context.Background(), redisError("LOADING Redis is loading the dataset in memory"), false, true},
		{"clusterdown", context.Background(), redisError("CLUSTERDOWN The cluster is down"), false, true},
		{"masterdown", context.Background(), redisError("MASTERDOWN Link with MASTER is down"), false, true},
		{"readonly replica", context.Background(), redisError("READONLY You can't write against a read only replica."), false, true},
		{"wrongtype", context.Background(), redisError("WRONGTYPE Operation against a key holding the wrong kind of value"), false, false},
		{"script error", context.Background(), redisError("ERR user_script:1: oops"), false, false},
		{"caller canceled", canceled, context.Canceled, false, false},
		{"internal timeout", context.Background(), fmt.Errorf("dial: %w", context.DeadlineExceeded), false, true},
	}
	for _, tt := range tests {
		err := wrapErr(tt.ctx, tt.err, "get %q", "of:{exec:1}")
		if got := errors.Is(err, ErrNotFound); got != tt.notFound {
			t.Errorf("%s: Is(ErrNotFound) = %v, want %v (%v)", tt.name, got, tt.notFound, err)
		}
		if got := errors.Is(err, ErrUnavailable); got != tt.unavailable {
			t.Errorf("%s: Is(ErrUnavailable) = %v, want %v (%v)", tt.name, got, tt.unavailable, err)
		}
		if !tt.notFound && !errors.Is(err, tt.err) {
			t.Errorf("%s: the original error is not in the chain: %v", tt.name, err)
		}
		if tt.notFound && errors.Is(err, redis.Nil) {
			t.Errorf("%s: redis.Nil leaks through the store boundary", tt.name)
		}
		if want := `store: get "of:{exec:1}": `; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Errorf("%s: message %q does not say what was being done", tt.name, err)
		}
	}
	if wrapErr(context.Background(), nil, "x") != nil {
		t.Error("wrapErr(nil) != nil")
	}
}
