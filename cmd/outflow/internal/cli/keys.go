package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

func runKeys(ctx context.Context, args []string, env Env) int {
	switch {
	case len(args) == 0:
		keysUsage(env)
		return 2
	case isHelp(args[0]):
		keysUsage(env)
		return 0
	case args[0] == "generate":
		return keysGenerate(args[1:], env)
	case args[0] == "rotate":
		return keysRotate(ctx, args[1:], env)
	}
	fmt.Fprintf(env.Stderr, "outflow keys: unknown subcommand %q (generate or rotate)\n\n", args[0])
	keysUsage(env)
	return 2
}

func keysUsage(env Env) {
	fmt.Fprint(env.Stderr, "usage: outflow keys generate [--id ID]\n"+
		"       outflow keys rotate --redis URL --keys NEW,OLD[,...] [--prefix PREFIX]\n\n"+
		"  generate  print a new sealing key, to put first in OUTFLOW_KEYS\n"+
		"  rotate    re-seal every secret in Redis under the keyring's first key\n\n"+
		"Run `outflow keys generate -h` or `outflow keys rotate -h` for their flags.\n")
}

func keysGenerate(args []string, env Env) int {
	fs := newFlags("keys generate", "", env)
	id := fs.String("id", "", "key id (default: k<date><random>)")
	if ok, code := parseNoArgs(fs, args); !ok {
		return code
	}
	k, err := store.GenerateKey(*id)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow keys generate:", err)
		return 1
	}
	fmt.Fprintln(env.Stdout, k)
	fmt.Fprintln(env.Stderr, "Put it FIRST in OUTFLOW_KEYS (keep the old keys after it until `outflow keys rotate` has run).")
	return 0
}

// keysRotate re-seals every sealed record under the keyring's first key. It is safe while servers
// are serving: each record is rewritten with a compare-and-set, and servers whose keyring holds both
// keys open either ciphertext.
func keysRotate(ctx context.Context, args []string, env Env) int {
	fs := newFlags("keys rotate", "", env)
	var cfg backendConfig
	fs.StringVar(&cfg.redisURL, "redis", "", "Redis URL (env REDIS_URL)")
	fs.StringVar(&cfg.prefix, "prefix", "", "prefix of every Redis key")
	fs.StringVar(&cfg.keys, "keys", "", "keyring with the new key first (env OUTFLOW_KEYS)")
	if ok, code := parseNoArgs(fs, args); !ok {
		return code
	}
	cfg.redisURL = envOr(cfg.redisURL, "REDIS_URL", env)
	cfg.pingTimeout = env.RedisPingTimeout
	cfg.keys = envOr(cfg.keys, "OUTFLOW_KEYS", env)
	cfg.log = textLogger(env)
	warnMisspelledVars(env, cfg.log)
	if cfg.redisURL == "" {
		fmt.Fprintln(env.Stderr, "outflow keys rotate: set --redis or REDIS_URL: rotation re-seals what a real Redis holds")
		return 2
	}
	b, err := openBackend(ctx, cfg)
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow keys rotate:", err)
		return 1
	}
	defer b.close()
	code := 0
	for _, reseal := range []func(context.Context) (apps.ResealReport, error){b.apps.Reseal, b.vault.Reseal, b.apikeys.Reseal, b.webhooks.Reseal} {
		rep, err := reseal(ctx)
		fmt.Fprintf(env.Stdout, "%-12s scanned %d, re-sealed %d, failed %d\n", rep.Kind, rep.Scanned, rep.Resealed, rep.Failed)
		if err != nil || rep.Failed > 0 {
			if err != nil {
				fmt.Fprintln(env.Stderr, "outflow keys rotate:", err)
			}
			code = 1
		}
	}
	if code == 0 {
		fmt.Fprintf(env.Stdout, "every secret is sealed under key %s; older keys may now be removed from OUTFLOW_KEYS\n", b.keyring.ActiveID())
	}
	return code
}

func randomKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
