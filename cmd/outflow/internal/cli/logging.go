package cli

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/outflowhq/outflow/internal/suggest"
)

// logFormats are the values --log-format takes.
var logFormats = []string{"text", "json"}

// newLogger returns the logger of a --log-format, writing to env.Stderr, or an error naming the
// formats there are.
func newLogger(format string, env Env) (*slog.Logger, error) {
	switch format {
	case "text":
		return textLogger(env), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json%s", format, suggest.Hint(format, logFormats))
}

// textLogger is the logger of the commands that have no --log-format.
func textLogger(env Env) *slog.Logger { return slog.New(slog.NewTextHandler(env.Stderr, nil)) }

// logStop logs why serve stopped. The problems of flow files that did not load come first, one
// per line as validate lists them (file:line:col: message), or one record each in the JSON log.
func logStop(log *slog.Logger, format string, env Env, err error) {
	var fe *flowsError
	if errors.As(err, &fe) {
		for _, d := range fe.problems {
			if format == "json" {
				log.Error(d.Message, "file", d.File, "line", d.Line, "col", d.Col)
			} else {
				fmt.Fprintln(env.Stderr, d.String())
			}
		}
	}
	log.Error("outflow serve stopped", "error", err)
}
