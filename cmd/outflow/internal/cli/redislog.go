package cli

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// redisLogger passes go-redis's own notices (a failed dial, a pool that cannot fill) to the log
// at Warn, instead of the unstructured lines go-redis writes to stderr by default, which would
// break --log-format json.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...), "component", "go-redis")
}

// go-redis's logger is a plain variable of the process, read by its pools' background dials
// without a lock: it is set once, and routes each notice to the log of the command that runs
// (serve or worker; the latest one where a process runs several, as tests do).
var (
	redisLogOnce sync.Once
	redisLog     atomic.Pointer[slog.Logger]
)

type routedRedisLogger struct{}

func (routedRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	if log := redisLog.Load(); log != nil {
		redisLogger{log}.Printf(ctx, format, v...)
	}
}

// logRedisNoticesTo makes go-redis's notices join log, in its format.
func logRedisNoticesTo(log *slog.Logger) {
	redisLog.Store(log)
	redisLogOnce.Do(func() { redis.SetLogger(routedRedisLogger{}) })
}
