package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/internal/optdefault"
)

// Options configure a Store.
type Options struct {
	// URL locates Redis. "" starts the embedded in-memory Redis (for trying Outflow out and for
	// tests; all state is lost on exit). Otherwise one of:
	//
	//	redis://[user:pass@]host:6379/0            single node (rediss:// for TLS)
	//	redis+sentinel://[user:pass@]h1:26379,h2:26379/mymaster[?db=N]
	//	redis+cluster://[user:pass@]h1:7001,h2:7002
	//
	// go-redis URL options (dial_timeout=3s, pool_size=20, ...) may follow as a query string.
	URL string
	// Prefix starts every key ("" means DefaultPrefix, "of"). 1–64 characters of
	// [A-Za-z0-9._:-]; several deployments can share one Redis with different prefixes.
	Prefix string
	// Logger receives connection notices; nil means slog.Default().
	Logger *slog.Logger
	// PingTimeout bounds the PING with which Open checks the connection; 0 means
	// DefaultPingTimeout (5s). It must not be negative, nor must CommandTimeout.
	PingTimeout time.Duration
	// CommandTimeout bounds every Redis call of a Store made by Open (waiting for a
	// connection and retries included), whatever the caller's context allows; 0 means
	// DefaultCommandTimeout (3s). A call past it fails with ErrUnavailable.
	CommandTimeout time.Duration
	// TracerProvider, when set, makes every Redis call a client span (go-redis's own
	// OpenTelemetry instrumentation), named after the command, without its arguments (they hold
	// sealed values and ids). Nil: no spans.
	TracerProvider trace.TracerProvider
	// Durability says which writes wait, where the master has replicas, until one replica has
	// them: DurableAll ("", the default) or DurableTokens. The URL option durability=all|tokens
	// sets it too. The embedded Redis has no replicas, and nothing waits.
	Durability Durability
	// ReplicaTimeout bounds that wait (WAIT 1 <ms>); a write no replica confirms within it fails
	// with ErrNotReplicated. 0 means DefaultReplicaTimeout (1s; half of CommandTimeout when that
	// is shorter than 2s), or the URL option replica_timeout (e.g. 500ms); it must be shorter
	// than CommandTimeout.
	ReplicaTimeout time.Duration
}

// Store is Outflow's access to Redis. It is safe for concurrent use.
type Store struct {
	client   redis.UniversalClient
	keys     Keys
	log      *slog.Logger
	embedded *embedded
	// durability is nil where writes never wait for a replica (the embedded Redis).
	durability *durable
	// dials is nil for a store on a host's own client (NewFromClient).
	dials *dialErrors

	closeOnce sync.Once
	closeErr  error
}

// Open connects to Redis as described by opts and checks the connection with a PING, which must
// answer within opts.PingTimeout (5 seconds by default). Every later call gives up after
// opts.CommandTimeout (3 seconds by default) or the caller's deadline, whichever comes first. An
// unreachable Redis gives an error wrapping ErrUnavailable; a malformed URL gives an error that
// names the problem without repeating the password.
func Open(ctx context.Context, opts Options) (*Store, error) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	if err := opts.fillTimeouts(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}

	var (
		client redis.UniversalClient
		emb    *embedded
		dur    *durable
	)
	if opts.URL == "" {
		if _, err := newDurable(opts, urlDurability{}, log); err != nil {
			return nil, err
		}
		var err error
		emb, err = startEmbedded()
		if err != nil {
			return nil, err
		}
		client = redis.NewClient(&redis.Options{Addr: emb.addr(), Password: emb.password, ContextTimeoutEnabled: true})
		log.Warn("using the embedded in-memory Redis: ALL STATE (executions, tokens, API keys) IS LOST WHEN THE PROCESS EXITS; set a Redis URL for anything but a trial",
			slog.String("addr", emb.addr()))
	} else {
		cfg, err := parseURL(opts.URL)
		if err != nil {
			return nil, err
		}
		if dur, err = newDurable(opts, cfg.durability, log); err != nil {
			return nil, err
		}
		client = cfg.newClient()
	}
	dials := &dialErrors{}
	client.AddHook(dials)
	if cc, ok := client.(*redis.ClusterClient); ok {
		cc.AddHook(clusterReload{c: cc})
	}
	client.AddHook(deadlineHook{d: opts.CommandTimeout})
	s := &Store{client: client, keys: Keys{prefix: prefix}, log: log, embedded: emb, durability: dur, dials: dials}
	if opts.TracerProvider != nil {
		if err := redisotel.InstrumentTracing(client, redisotel.WithTracerProvider(opts.TracerProvider),
			redisotel.WithDBStatement(false), redisotel.WithCallerEnabled(false)); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("store: trace Redis calls: %w", err)
		}
	}
	if err := s.openPing(ctx, opts.PingTimeout); err != nil {
		// The client waits, as it closes, for the dial the PING started (a Sentinel client
		// asks every Sentinel, with retries): Open's caller does not.
		go s.Close()
		return nil, err
	}
	s.loadScripts(ctx)
	return s, nil
}

// openPing is Open's PING, bounded by d even where the client would wait longer (a Sentinel it
// keeps dialling): the PING runs on its own goroutine, which closing the client ends.
func (s *Store) openPing(ctx context.Context, d time.Duration) error {
	pingCtx, cancel := context.WithTimeout(context.WithValue(ctx, ownDeadline{}, true), d)
	defer cancel()
	err := within(pingCtx, func(ctx context.Context) error { return s.client.Ping(ctx).Err() })
	if err != nil && ctx.Err() == nil && pingCtx.Err() != nil {
		if last := s.dials.lastError(); last != "" {
			return wrapErr(ctx, err, "open: ping: no answer within %s (the last attempt to connect: %s); check the Redis URL and that Redis (or its Sentinels) is up and reachable", d, last)
		}
		return wrapErr(ctx, err, "open: ping: no answer within %s; check the Redis URL and that Redis (or its Sentinels) is up and reachable", d)
	}
	return wrapErr(ctx, err, "open: ping")
}

// fillTimeouts sets a PingTimeout or CommandTimeout left at 0 to its default, and refuses a
// negative one.
func (o *Options) fillTimeouts() error {
	if problem := optdefault.Fill(&o.PingTimeout, DefaultPingTimeout); problem != "" {
		return fmt.Errorf("store: Options.PingTimeout %s", problem)
	}
	if problem := optdefault.Fill(&o.CommandTimeout, DefaultCommandTimeout); problem != "" {
		return fmt.Errorf("store: Options.CommandTimeout %s", problem)
	}
	return nil
}

// NewFromClient wraps a client the host already has (its own TLS, hooks, instrumentation). It
// does not connect; call Ping to check. Close closes c. It returns an error, and leaves c open,
// when opts has an invalid Prefix, Durability, ReplicaTimeout, CommandTimeout or PingTimeout
// (negative); opts.URL is not used, nor opts.PingTimeout otherwise.
func NewFromClient(c redis.UniversalClient, opts Options) (*Store, error) {
	keys, err := NewKeys(opts.Prefix)
	if err != nil {
		return nil, err
	}
	if err := opts.fillTimeouts(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	dur, err := newDurable(opts, urlDurability{}, log)
	if err != nil {
		return nil, err
	}
	return &Store{client: c, keys: keys, log: log, durability: dur}, nil
}

// Close closes the client and, for the embedded Redis, the in-process server and its clock.
// It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.client.Close()
		if s.embedded != nil {
			s.embedded.close()
		}
		if errors.Is(s.closeErr, redis.ErrClosed) {
			s.closeErr = nil
		}
	})
	return s.closeErr
}

// Ping checks that Redis answers. It returns when ctx ends at the latest, even with a client
// (see NewFromClient) that does not follow contexts.
func (s *Store) Ping(ctx context.Context) error {
	return wrapErr(ctx, within(ctx, func(ctx context.Context) error { return s.client.Ping(ctx).Err() }), "ping")
}

// Embedded reports whether the store runs on the embedded in-memory Redis.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Client returns the underlying go-redis client. It is the escape hatch for hosts (metrics,
// tracing hooks, their own keys) — Outflow's own packages use the Store methods, which give
// atomicity and error mapping the raw client does not.
func (s *Store) Client() redis.UniversalClient { return s.client }

// Keys returns the key builder for this store's prefix.
func (s *Store) Keys() Keys { return s.keys }
