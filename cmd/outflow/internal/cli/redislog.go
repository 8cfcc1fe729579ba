package cli

import (
	"context"
	"fmt"
	"log/slog"
)

// redisLogger passes go-redis's own notices (a failed dial, a pool that cannot fill) to the log
// at Warn, instead of the unstructured lines go-redis writes to stderr by default, which would
// break --log-format json. go-redis's logger is global to the process: serve sets it.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...), "component", "go-redis")
}
