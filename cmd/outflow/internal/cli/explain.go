package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/store"
)

func runExplain(ctx context.Context, args []string, env Env) int {
	fs := newFlags("explain", "EXECUTION_ID", env)
	redisURL := fs.String("redis", "", "URL of the Redis the execution ran on (env REDIS_URL)")
	prefix := fs.String("prefix", "", "prefix of every Redis key, as the server was started with (default \"of\")")
	asJSON := fs.Bool("json", false, "print the explanation as JSON")
	ids, ok, code := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(ids) != 1 {
		fs.Usage()
		return 2
	}
	url := envOr(*redisURL, "REDIS_URL", env)
	if url == "" {
		fmt.Fprintln(env.Stderr, "outflow explain: set --redis or REDIS_URL to the Redis the execution ran on "+
			"(an embedded Redis lives only as long as the `outflow serve` that started it)")
		return 2
	}
	st, err := store.Open(ctx, store.Options{URL: url, Prefix: *prefix, Logger: slog.New(slog.DiscardHandler), PingTimeout: env.RedisPingTimeout})
	if err != nil {
		fmt.Fprintln(env.Stderr, "outflow explain:", err)
		return 1
	}
	defer st.Close()
	if err := explainExecution(ctx, st, ids[0], *asJSON, env.Stdout); err != nil {
		fmt.Fprintln(env.Stderr, "outflow explain:", err)
		return 1
	}
	return 0
}

// explainExecution writes the explanation of an execution kept in st.
func explainExecution(ctx context.Context, st *store.Store, id string, asJSON bool, w io.Writer) error {
	reg, err := registry(nil)
	if err != nil {
		return err
	}
	eng, err := engine.New(engine.Options{Store: st, Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	x, err := explain.Execution(ctx, eng, id)
	if errors.Is(err, engine.ErrExecutionNotFound) {
		return fmt.Errorf("no execution %q under key prefix %q: check the id and --prefix; executions are removed some time after they end or expire", id, st.Keys().Prefix())
	}
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	_, err = fmt.Fprint(w, x)
	return err
}
