package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/webhooks"
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
	egress := egressFlags(fs)
	if ok, code := parseNoArgs(fs, args[1:]); !ok {
		return code
	}
	var err error
	if cfg.egress, err = egress(); err != nil {
		fmt.Fprintln(env.Stderr, "outflow apps apply:", err)
		return 2
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
	hooks, herr := webhooks.ParseAppsFile(path, src, env.Getenv)
	if err != nil || herr != nil {
		return joinFileErrors(err, herr)
	}
	// Every entry is checked before anything is written, apps and endpoints alike.
	_, err = b.apps.Plan(ctx, specs)
	if herr = b.webhooks.CheckAppsFile(ctx, hooks); err != nil || herr != nil {
		return fmt.Errorf("apply %s: %w", path, joinFileErrors(err, herr))
	}
	rep, err := b.apps.Apply(ctx, specs)
	if err != nil {
		return fmt.Errorf("apply %s: %w", path, err)
	}
	log.Info("apps applied", "file", path, "created", strings.Join(rep.Created, ","), "updated", strings.Join(rep.Updated, ","), "unchanged", strings.Join(rep.Unchanged, ","))
	hrep, err := b.webhooks.ApplyAppsFile(ctx, hooks)
	if err != nil {
		return fmt.Errorf("apply %s: %w", path, err)
	}
	log.Info("webhook endpoints applied", "file", path, "created", strings.Join(hrep.Created, ","), "updated", strings.Join(hrep.Updated, ","),
		"unchanged", strings.Join(hrep.Unchanged, ","), "deleted", strings.Join(hrep.Deleted, ","))
	return nil
}

// joinFileErrors merges the problems the apps and the webhooks parsers found in one file into
// one list in file order.
func joinFileErrors(errs ...error) error {
	var all []apps.AppsFileProblem
	for _, err := range errs {
		var fe *apps.AppsFileError
		switch {
		case err == nil:
		case errors.As(err, &fe):
			all = append(all, fe.Problems...)
		default:
			return err
		}
	}
	slices.SortStableFunc(all, func(a, b apps.AppsFileProblem) int { return cmp.Or(a.Line-b.Line, a.Col-b.Col) })
	// Both parsers refuse a file that is not YAML, or not a mapping, in the same words.
	all = slices.CompactFunc(all, func(a, b apps.AppsFileProblem) bool { return a == b })
	return &apps.AppsFileError{Problems: all}
}
