package cli

import (
	"log/slog"
	"strings"

	"github.com/outflowhq/outflow/internal/suggest"
)

// settingVars are the environment variables outflow's commands read settings from, besides
// REDIS_URL.
var settingVars = []string{"OUTFLOW_KEYS", "OUTFLOW_PUBLIC_URL", "OUTFLOW_MANAGEMENT_KEYS", "OUTFLOW_ALLOWED_REDIRECTS"}

// warnMisspelledVars warns about each OUTFLOW_ variable of the environment that outflow does not
// read but that is close to one it does (OUTFLOW_MANAGEMENT_KEY for OUTFLOW_MANAGEMENT_KEYS): a
// setting that is silently ignored is worse than one that is refused. It never logs a value.
// Other OUTFLOW_ variables (the test suite's, a host's own) are left alone.
func warnMisspelledVars(env Env, log *slog.Logger) {
	if env.Environ == nil {
		return
	}
	for _, kv := range env.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "OUTFLOW_") {
			continue
		}
		if hint := suggest.Hint(name, settingVars); hint != "" {
			log.Warn(name + " is not a variable outflow reads" + hint + "; it is ignored")
		}
	}
}
