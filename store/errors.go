package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Sentinel errors. Store methods never return them bare: they wrap them with what was being done
// ("store: put \"of:{exec:1}\" at rev 3: conflict"); match them with errors.Is.
var (
	// ErrNotFound means the key does not exist (never written, deleted, expired or already taken).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a compare-and-set lost: the record exists when it must not, its revision
	// moved on, or a lock is no longer held by its owner.
	ErrConflict = errors.New("store: conflict")
	// ErrUnavailable means Redis could not be reached or cannot serve right now (connection
	// refused or reset, timeout, closed client, OOM, READONLY, LOADING, CLUSTERDOWN, ...). The
	// original error is wrapped as well, so errors.Is works for both.
	ErrUnavailable = errors.New("store: redis unavailable")
	// ErrLocked means a lock is held by someone else.
	ErrLocked = errors.New("store: locked by another owner")
	// ErrLockLost means a write fenced by a lock was refused because the lock had expired or
	// was taken by someone else: the writer no longer has the right to write.
	ErrLockLost = errors.New("store: lock no longer held by this owner")
)

// transientPrefixes are Redis error replies that mean "the server cannot serve now" rather than
// "this command is wrong": out of memory, a replica (a failover in progress), loading, a cluster
// or master down, a slot moving, a busy script, too few replicas, a disk it cannot write, and a
// transaction Redis aborted because it refused one of its commands for one of these reasons.
var transientPrefixes = []string{"LOADING", "CLUSTERDOWN", "MASTERDOWN", "TRYAGAIN", "READONLY", "BUSY ", "NOREPLICAS",
	"OOM ", "MISCONF", "EXECABORT"}

// refusedForNow reports whether a Redis error reply is one of transientPrefixes, alone or as the
// error of a command a script ran (older Redis reports those as "ERR Error running script ...:
// -OOM ...").
func refusedForNow(reply string) bool {
	msg := strings.TrimPrefix(reply, "ERR ")
	inScript := strings.HasPrefix(msg, "Error running script")
	for _, p := range transientPrefixes {
		if strings.HasPrefix(msg, p) || inScript && strings.Contains(msg, " -"+p) {
			return true
		}
	}
	return false
}

// wrapErr turns an error from go-redis into a store error that says what was being done. It maps
// redis.Nil to ErrNotFound (without exposing redis.Nil) and connection-level failures to
// ErrUnavailable (keeping the original in the chain). A nil err stays nil.
func wrapErr(ctx context.Context, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	op := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, redis.Nil):
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	case unavailable(ctx, err):
		return fmt.Errorf("store: %s: %w: %w", op, ErrUnavailable, err)
	default:
		return fmt.Errorf("store: %s: %w", op, err)
	}
}

// unavailable reports whether err means Redis cannot be reached or cannot serve right now. An error
// caused by the caller's own context ending is not unavailability.
func unavailable(ctx context.Context, err error) bool {
	if ctx != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return false
	}
	var opErr *net.OpError
	var netErr net.Error
	var rerr redis.Error
	switch {
	case errors.As(err, &opErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, context.DeadlineExceeded):
		// A deadline that is not the caller's: a dial or read timeout inside the client.
		return true
	case errors.As(err, &rerr):
		return refusedForNow(rerr.Error())
	}
	return false
}
