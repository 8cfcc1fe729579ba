package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// StopContext returns the context a command runs with: it ends at the first Ctrl-C or SIGTERM,
// which asks the command to stop gracefully. From then on the signals have their default effect
// again, so a second one ends the process at once. stop gives the signals back early.
func StopContext() (ctx context.Context, stop context.CancelFunc) {
	ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	return ctx, stop
}
