package engine

import (
	"context"
	"log/slog"
)

// lazyAttrs is a handler that adds its attributes only when a record is logged. Every run of a
// step gets a logger naming the execution, flow and step, and few ever log: building the
// attributes into the handler each time (slog.Logger.With) would cost a dozen allocations per
// step for nothing.
type lazyAttrs struct {
	h     slog.Handler
	attrs []slog.Attr
}

func (l lazyAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l lazyAttrs) Handle(ctx context.Context, r slog.Record) error {
	return l.h.WithAttrs(l.attrs).Handle(ctx, r)
}

func (l lazyAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return l.h.WithAttrs(l.attrs).WithAttrs(attrs)
}

func (l lazyAttrs) WithGroup(name string) slog.Handler {
	return l.h.WithAttrs(l.attrs).WithGroup(name)
}

// stepLogger is the logger a step's action gets.
func (e *Engine) stepLogger(executionID, flowID, stepID string) *slog.Logger {
	return slog.New(lazyAttrs{h: e.log.Handler(), attrs: []slog.Attr{
		slog.String("execution", executionID), slog.String("flow", flowID), slog.String("step", stepID)}})
}
