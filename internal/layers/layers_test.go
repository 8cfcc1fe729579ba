package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/outflowhq/outflow"

// direction is the documented direction, repeated in every failure.
const direction = "cmd/outflow → server → engine → flows → actions; server, actions/* → outbound/* → store; internal/* below everything"

// layer places the package whose path (relative to the module) is path, or every package under
// path when it ends in "/". A package imports only packages of a lower rank, or of its own
// family (siblings such as internal/decode and internal/expression).
type layer struct {
	path   string
	rank   int
	family string
}

// layers is the table.
var layers = []layer{
	{"cmd/outflow", 100, "cmd"},
	{"cmd/outflow/", 100, "cmd"},
	{"examples", 90, "examples"},
	{"examples/", 90, "examples"},
	{"server", 80, ""},
	{"server/console", 78, ""}, // mounted by server, beside it for embedders
	{"flowtest", 75, ""},
	{"engine/explain", 72, ""}, // reads an engine's events
	{"engine", 70, ""},
	{"flows", 60, ""},
	{"actions/", 55, "actions/*"},
	{"actions", 50, ""},
	{"outbound/proxy", 45, ""}, // sends requests with a connection of oauth or apikeys
	{"worker", 76, ""},         // runs the engine's expiry, the vault's refreshes and the webhooks' deliveries
	{"outbound/webhooks", 42, ""},
	{"outbound/oauth", 40, ""},
	{"outbound/apikeys", 40, ""},
	{"outbound/apps", 35, ""},
	{"outbound/events", 32, ""},
	{"outbound", 30, ""},
	{"store/", 25, ""},
	{"store", 20, ""},
	{"clock", 10, ""},
	{"internal/", 10, "internal/*"},
}

// find returns the layer of rel (a path relative to the module), or false.
func find(rel string) (layer, bool) {
	for _, l := range layers {
		if rel == l.path || (strings.HasSuffix(l.path, "/") && strings.HasPrefix(rel, l.path)) {
			return l, true
		}
	}
	return layer{}, false
}

// pkg is one package of go list -json: its path, its direct imports (of its non-test files),
// its folder and its non-test files.
type pkg struct {
	ImportPath string
	Imports    []string
	Dir        string
	GoFiles    []string
}

// check returns one message per import against the direction, and per package with no layer.
func check(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		from, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok {
			continue
		}
		fl, ok := find(from)
		if !ok {
			out = append(out, fmt.Sprintf("%s has no layer: give it one in the table of internal/layers (%s)", from, direction))
			continue
		}
		for _, imp := range p.Imports {
			to, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			tl, ok := find(to)
			if !ok {
				continue // reported as a package of its own
			}
			if tl.rank < fl.rank || (fl.family != "" && tl.family == fl.family) {
				continue
			}
			out = append(out, fmt.Sprintf("%s imports %s: against the direction %s", from, to, direction))
		}
	}
	return out
}

// list runs go list over both modules from the repository root.
func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Dir,GoFiles", "./...", "./cmd/outflow/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// Every import of the library and the binary follows the documented direction.
func TestImportsFollowTheDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	pkgs := list(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; expected the whole repository", len(pkgs))
	}
	for _, msg := range check(pkgs) {
		t.Error(msg)
	}
}

// An import against the direction, and a package without a layer, are named precisely.
func TestAnEdgeAgainstTheDirectionIsNamed(t *testing.T) {
	pkgs := []pkg{
		{ImportPath: module + "/outbound/oauth", Imports: []string{module + "/actions", module + "/outbound/apps", "context"}},
		{ImportPath: module + "/outbound/apikeys", Imports: []string{module + "/outbound/oauth"}},
		{ImportPath: module + "/internal/decode", Imports: []string{module + "/internal/expression", module + "/engine"}},
		{ImportPath: module + "/actions/builtin", Imports: []string{module + "/actions/oauth", module + "/actions"}},
		{ImportPath: module + "/outbound/mailer", Imports: nil},
	}
	got := check(pkgs)
	want := []string{
		"outbound/oauth imports actions: against the direction " + direction,
		"outbound/apikeys imports outbound/oauth: against the direction " + direction,
		"internal/decode imports engine: against the direction " + direction,
		"outbound/mailer has no layer: give it one in the table of internal/layers (" + direction + ")",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
