package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/worker"
)

// egressFlags adds the webhook egress flags to fs and returns what reads them once parsed.
func egressFlags(fs *flag.FlagSet) func() (webhooks.Egress, error) {
	loopback := fs.Bool("webhooks-allow-http-loopback", false, "let webhook endpoints be http:// URLs on this machine (development only)")
	nets := fs.String("webhooks-allow-networks", "", "comma-separated private networks webhook deliveries may reach, such as 10.0.0.0/8")
	return func() (webhooks.Egress, error) {
		e := webhooks.Egress{AllowHTTPLoopback: *loopback}
		for _, n := range splitList(*nets) {
			p, err := netip.ParsePrefix(n)
			if err != nil {
				return e, fmt.Errorf("--webhooks-allow-networks: %q is not a network such as 10.0.0.0/8", n)
			}
			e.AllowedNetworks = append(e.AllowedNetworks, p)
		}
		return e, nil
	}
}

// newWorker builds the worker of a backend: every job on.
func newWorker(b *backend, log *slog.Logger, concurrency int, visibility time.Duration) (*worker.Worker, error) {
	return worker.New(worker.Config{Store: b.store, Apps: b.apps, Vault: b.vault, APIKeys: b.apikeys,
		Webhooks: b.webhooks, Engine: b.engine, Logger: log, Concurrency: concurrency, VisibilityTimeout: visibility})
}

// startWorker runs the worker beside the server; the returned function stops it and waits until
// it has given back every lease.
func startWorker(ctx context.Context, b *backend, log *slog.Logger) (func(), error) {
	w, err := newWorker(b, log, 0, 0)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(wctx); err != nil {
			log.Error("worker stopped", "error", err)
		}
	}()
	go seed(wctx, w, log)
	return func() { cancel(); <-done }, nil
}

// seed schedules connections made before any worker ran, in the background.
func seed(ctx context.Context, w *worker.Worker, log *slog.Logger) {
	if n, err := w.Seed(ctx); err != nil {
		log.Warn("keep-alive: schedule existing connections", "error", err)
	} else if n > 0 {
		log.Info("keep-alive: scheduled existing connections", "connections", n)
	}
}

func runWorker(ctx context.Context, args []string, env Env) int {
	fs := newFlags("worker", "", env)
	var cfg backendConfig
	var logFormat string
	var concurrency int
	var visibility time.Duration
	fs.StringVar(&cfg.redisURL, "redis", "", "Redis URL (env REDIS_URL); required: a worker shares the Redis of the servers")
	fs.StringVar(&cfg.prefix, "prefix", "", "prefix of every Redis key (default \"of\")")
	fs.StringVar(&cfg.keys, "keys", "", "sealing keyring, the servers' own (env OUTFLOW_KEYS)")
	fs.StringVar(&cfg.publicURL, "public-url", "", "the servers' public URL (env OUTFLOW_PUBLIC_URL)")
	fs.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	fs.IntVar(&concurrency, "concurrency", 64, "webhook deliveries made at once")
	durationVar(fs, &visibility, "visibility-timeout", 30*time.Second, "how long (a `duration`) a delivery a stopped worker left unfinished waits before another worker takes it over")
	egress := egressFlags(fs)
	if ok, code := parseNoArgs(fs, args); !ok {
		return code
	}
	cfg.redisURL = envOr(cfg.redisURL, "REDIS_URL", env)
	cfg.keys = envOr(cfg.keys, "OUTFLOW_KEYS", env)
	cfg.publicURL = envOr(cfg.publicURL, "OUTFLOW_PUBLIC_URL", env)
	cfg.pingTimeout = env.RedisPingTimeout
	log, err := newLogger(logFormat, env)
	if err == nil {
		cfg.egress, err = egress()
	}
	if err == nil && cfg.redisURL == "" {
		err = fmt.Errorf("no Redis: set --redis (or REDIS_URL) to the Redis the servers use; a worker on an embedded Redis would see nothing")
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow worker:", err)
		return 2
	}
	cfg.log = log
	logRedisNoticesTo(log)
	tp, stopTracing, err := openTracing(ctx, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow worker:", err)
		return 2
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	cfg.tracerProvider = tp
	if err := work(ctx, cfg, concurrency, visibility, log); err != nil {
		logStop(log, logFormat, env, err)
		return 1
	}
	return 0
}

// work runs a worker until ctx ends (SIGTERM, Ctrl-C), then stops it cleanly.
func work(ctx context.Context, cfg backendConfig, concurrency int, visibility time.Duration, log *slog.Logger) error {
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.close()
	w, err := newWorker(b, log, concurrency, visibility)
	if err != nil {
		return err
	}
	go seed(ctx, w, log)
	start := time.Now()
	err = w.Run(ctx)
	log.Info("worker exiting", "ran", time.Since(start).Round(time.Second).String())
	return err
}
