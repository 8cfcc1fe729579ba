package workertest

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/outflowhq/outflow/cmd/outflow/internal/cli"
)

// childEnv, when set, makes the test binary run `outflow` with the arguments of the variable
// childArgs instead of the tests: the way the tests start worker processes.
const childEnv = "OUTFLOW_WORKERTEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, childArgs(), cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
