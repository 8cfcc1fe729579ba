package cli

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// StopContext returns the context a command runs with: it ends at the first Ctrl-C or SIGTERM,
// which asks the command to stop gracefully. A second one ends the process at once, with the
// exit code a shell gives a process the signal ended (128 + the signal's number). stop gives the
// signals back.
func StopContext() (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	c := make(chan os.Signal, 2)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for first := true; ; first = false {
			select {
			case sig := <-c:
				if first {
					cancel()
					continue
				}
				code := 1
				if s, ok := sig.(syscall.Signal); ok {
					code = 128 + int(s)
				}
				os.Exit(code)
			case <-done:
				return
			}
		}
	}()
	return ctx, sync.OnceFunc(func() {
		signal.Stop(c)
		close(done)
		cancel()
	})
}
