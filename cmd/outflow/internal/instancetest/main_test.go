package instancetest

import (
	"os"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/cmd/outflow/internal/cli"
)

// childEnv, when set, makes the test binary run `outflow` with the arguments in childArgsEnv
// (separated by \x1f) instead of the tests: the way the tests start server processes.
const (
	childEnv     = "OUTFLOW_INSTANCETEST_CHILD"
	childArgsEnv = "OUTFLOW_INSTANCETEST_ARGS"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := cli.StopContext() // as main does
		args := strings.Split(os.Getenv(childArgsEnv), "\x1f")
		code := cli.Main(ctx, args, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
