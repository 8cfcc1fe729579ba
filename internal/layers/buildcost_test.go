package layers

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// probeLimit is the most the probe's compiled object may weigh. With go-redis v9.22 it is about
// 1.1 MB. go-redis v9.23 gives its client a weak.Pointer[Client], and every package naming one of
// its types then instantiates that pointer over the client's shape, with wrappers for the
// client's promoted command methods (about 1,500 functions): 9.5 MB and 1.3 s of compiling per
// package, paid by each of Outflow's packages above store, twice in the tests.
const probeLimit = 3 << 20

// A package that names go-redis types compiles to a small object, so the packages above store
// cost what their own code costs.
func TestNamingAGoRedisTypeStaysCheap(t *testing.T) {
	if os.Getenv("OUTFLOW_TEST_BUILD_COST") != "1" {
		t.Skip("compiles a probe beside the build under way; set OUTFLOW_TEST_BUILD_COST=1 (CI does) to run it")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("OUTFLOW_TEST_BUILD_COST=1 but the go command is not on PATH")
	}
	cmd := exec.Command("go", "list", "-export", "-f", "{{.Export}}", "./testdata/redisprobe")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.String())
	}
	fi, err := os.Stat(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	size := fi.Size()
	if size > probeLimit {
		t.Errorf("a package naming go-redis types compiles to %.1f MB (limit %.1f MB): a dependency "+
			"now makes each importer compile its generic instantiations again; find them with "+
			"`go tool nm -size -sort size` on the probe's object and pin the dependency below the version that added them",
			float64(size)/(1<<20), float64(probeLimit)/(1<<20))
	}
	t.Logf("the probe compiles to %.2f MB", float64(size)/(1<<20))
}
