package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/outflowhq/outflow/outbound/apps"
)

func runApps(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] != "apply" {
		fmt.Fprintln(env.Stderr, "usage: outflow apps apply -f apps.yaml [--redis URL] [--keys KEYRING]\n\nRun `outflow apps apply -h` for its flags.")
		if len(args) > 0 && isHelp(args[0]) {
			return 0
		}
		return 2
	}
	fs := newFlags("apps apply", "", env)
	file := fs.String("f", "", "YAML file of apps (secrets come from the environment variables it names)")
	var cfg backendConfig
	fs.StringVar(&cfg.redisURL, "redis", "", "Redis URL (env REDIS_URL)")
	fs.StringVar(&cfg.prefix, "prefix", "", "prefix of every Redis key")
	fs.StringVar(&cfg.keys, "keys", "", "sealing keyring (env OUTFLOW_KEYS)")
	fs.StringVar(&cfg.publicURL, "public-url", "", "externally visible base URL (env OUTFLOW_PUBLIC_URL)")
	if ok, code := parseNoArgs(fs, args[1:]); !ok {
		return code
	}
	if *file == "" {
		fs.Usage()
		return 2
	}
	cfg.redisURL = envOr(cfg.redisURL, "REDIS_URL", env)
	cfg.pingTimeout = env.RedisPingTimeout
	cfg.keys = envOr(cfg.keys, "OUTFLOW_KEYS", env)
	cfg.publicURL = envOr(cfg.publicURL, "OUTFLOW_PUBLIC_URL", env)
	cfg.log = textLogger(env)
	warnMisspelledVars(env, cfg.log)
	if cfg.redisURL == "" {
		fmt.Fprintln(env.Stderr, "outflow apps apply: set --redis or REDIS_URL (the embedded Redis would forget the apps at exit)")
		return 2
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow apps apply:", err)
		return 1
	}
	defer b.close()
	if err := applyAppsFile(ctx, b, *file, env, cfg.log); err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	return 0
}

func applyAppsFile(ctx context.Context, b *backend, path string, env Env, log *slog.Logger) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read apps file: %w", err)
	}
	specs, err := apps.ParseAppsFile(path, src, env.Getenv)
	if err != nil {
		return err
	}
	rep, err := b.apps.Apply(ctx, specs)
	if err != nil {
		return fmt.Errorf("apply %s: %w", path, err)
	}
	log.Info("apps applied", "file", path, "created", strings.Join(rep.Created, ","), "updated", strings.Join(rep.Updated, ","), "unchanged", strings.Join(rep.Unchanged, ","))
	return nil
}
