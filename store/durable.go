package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Durability says which writes, where the Redis master has replicas, are answered only once a
// replica has them (WAIT 1, see Options.ReplicaTimeout). A write no replica confirms in time fails
// with ErrNotReplicated: it may or may not survive a failover, so it must not be acknowledged.
// Where no replica exists (a single node, the embedded Redis) nothing waits.
type Durability string

const (
	// DurableAll makes every record write wait: executions, connections with their tokens, API
	// keys, apps. It is the default ("").
	DurableAll Durability = "all"
	// DurableTokens makes only the writes made under Durable wait: the vault's token writes.
	// Executions, connections and keys are then acknowledged as soon as the master has them and
	// may be lost in a failover.
	DurableTokens Durability = "tokens"
)

// DefaultReplicaTimeout bounds the wait for a replica (Options.ReplicaTimeout).
const DefaultReplicaTimeout = time.Second

// ErrNotReplicated means a write reached the master but no replica confirmed it within
// Options.ReplicaTimeout. Errors matching it match ErrUnavailable too: retry later.
var ErrNotReplicated = errors.New("store: write not confirmed by a replica")

// notReplicatedError is ErrNotReplicated with how long the write waited or why it could not.
type notReplicatedError struct {
	why string
}

func (e notReplicatedError) Error() string { return e.why }

func (e notReplicatedError) Is(target error) bool {
	return target == ErrNotReplicated || target == ErrUnavailable
}

type durableKey struct{}

// Durable returns a context under which the Store's writes wait for a replica whatever
// Options.Durability says. The vault writes newly issued tokens under it: a refresh token the
// provider rotated exists nowhere else.
func Durable(ctx context.Context) context.Context {
	return context.WithValue(ctx, durableKey{}, true)
}

// mustReplicate reports whether a write under ctx waits for a replica (where one exists).
func (s *Store) mustReplicate(ctx context.Context) bool {
	if s.durability == nil {
		return false
	}
	return s.durability.mode == DurableAll || ctx.Value(durableKey{}) != nil
}

// durable holds what a Store needs to make writes wait for a replica.
type durable struct {
	mode       Durability
	timeout    time.Duration
	cmdTimeout time.Duration
	replicas   *replicaWatch
}

func parseDurability(d Durability) (Durability, error) {
	switch d {
	case "", DurableAll:
		return DurableAll, nil
	case DurableTokens:
		return DurableTokens, nil
	}
	return "", fmt.Errorf("store: unknown durability %q (use %q or %q)", d, DurableAll, DurableTokens)
}

// newDurable checks the durability options, those of the URL taking precedence.
func newDurable(opts Options, fromURL urlDurability, log *slog.Logger) (*durable, error) {
	mode, err := parseDurability(opts.Durability)
	if err != nil {
		return nil, err
	}
	if fromURL.mode != "" {
		mode = fromURL.mode
	}
	if opts.ReplicaTimeout < 0 {
		return nil, fmt.Errorf("store: negative replica timeout %s", opts.ReplicaTimeout)
	}
	cmdTimeout := opts.CommandTimeout // Open and NewFromClient have filled it in
	timeout := min(DefaultReplicaTimeout, cmdTimeout/2)
	if opts.ReplicaTimeout > 0 {
		timeout = opts.ReplicaTimeout
	}
	if fromURL.timeout > 0 {
		timeout = fromURL.timeout
	}
	if timeout >= cmdTimeout {
		return nil, fmt.Errorf("store: replica timeout %s must be shorter than the command timeout %s, which bounds the write and its wait together", timeout, cmdTimeout)
	}
	return &durable{mode: mode, timeout: timeout, cmdTimeout: cmdTimeout, replicas: newReplicaWatch(log)}, nil
}

// target is where a durable write goes: a client whose pipelines run on one connection to the
// master that takes the write, and the address its replica count is cached under.
type target struct {
	client  *redis.Client
	addr    string
	cluster *redis.ClusterClient
}

// writeTarget returns where a write to key must wait for a replica, or nil when it need not:
// the write is not durable, or the master that takes it has no replica.
func (s *Store) writeTarget(ctx context.Context, key string) (*target, error) {
	if !s.mustReplicate(ctx) {
		return nil, nil
	}
	var t target
	switch c := s.client.(type) {
	case *redis.Client:
		t.client = c
	case *redis.ClusterClient:
		node, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, err
		}
		t.client, t.addr, t.cluster = node, node.Options().Addr, c
	default:
		return nil, nil
	}
	n, err := s.durability.replicas.count(ctx, t.addr, t.client)
	if err != nil || n == 0 {
		return nil, err
	}
	return &t, nil
}

// pipe runs add's commands and WAIT 1 in one pipeline, on one connection to the target's master.
// It returns the pipeline's first error, or an error matching ErrNotReplicated when the commands
// ran and no replica confirmed them in time.
func (s *Store) pipe(ctx context.Context, t *target, add func(p redis.Pipeliner)) error {
	if t.cluster != nil {
		// A node's own client runs without the cluster client's hooks, so bound it here.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.durability.cmdTimeout)
		defer cancel()
	}
	var wait *redis.Cmd
	cmds, err := t.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		add(p)
		wait = p.Do(ctx, "wait", 1, s.durability.timeout.Milliseconds())
		return nil
	})
	if t.cluster != nil && err != nil && (unavailable(ctx, err) || redis.HasErrorPrefix(err, "MOVED") || redis.HasErrorPrefix(err, "ASK")) {
		// The slot's master moved or is gone: let the cluster client learn the new layout.
		t.cluster.ReloadState(ctx)
	}
	if len(cmds) == 0 {
		return err
	}
	for _, c := range cmds[:len(cmds)-1] {
		if c.Err() != nil {
			return c.Err()
		}
	}
	if err := wait.Err(); err != nil {
		// The write ran, and WAIT failed (a node that is no master any more): its fate is unknown.
		s.durability.replicas.forget(t.addr)
		return notReplicatedError{why: fmt.Sprintf("waiting for a replica: %v", err)}
	}
	if n, err := wait.Int64(); err != nil || n < 1 {
		s.durability.replicas.forget(t.addr)
		return notReplicatedError{why: fmt.Sprintf("no replica confirmed the write within %s", s.durability.timeout)}
	}
	return nil
}

// runWrite runs a write script like Script.Run, followed, where the write must reach a replica,
// by WAIT on the same connection (see pipe). A write a replica did not confirm gives the script's
// answer with that error.
func (s *Store) runWrite(ctx context.Context, sc *redis.Script, keys []string, args ...any) *redis.Cmd {
	t, err := s.writeTarget(ctx, keys[0])
	if err != nil {
		cmd := redis.NewCmd(ctx)
		cmd.SetErr(err)
		return cmd
	}
	if t == nil {
		return sc.Run(ctx, s.client, keys, args...)
	}
	var cmd *redis.Cmd
	err = s.pipe(ctx, t, func(p redis.Pipeliner) { cmd = sc.EvalSha(ctx, p, keys, args...) })
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		err = s.pipe(ctx, t, func(p redis.Pipeliner) { cmd = sc.Eval(ctx, p, keys, args...) })
	}
	if err != nil && cmd.Err() == nil {
		cmd.SetErr(err)
	}
	return cmd
}

// setWrite is SET key data [PX ttl], waiting for a replica like runWrite.
func (s *Store) setWrite(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	t, err := s.writeTarget(ctx, key)
	if err != nil {
		return err
	}
	if t == nil {
		return s.client.Set(ctx, key, data, ttl).Err()
	}
	return s.pipe(ctx, t, func(p redis.Pipeliner) { p.Set(ctx, key, data, ttl) })
}
