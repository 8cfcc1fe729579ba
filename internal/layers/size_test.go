package layers

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The house size of a library package, and the words its package doc must hold to exceed it.
const (
	maxLines       = 3000
	maxExported    = 120
	linesReason    = "above 3,000 lines"
	exportedReason = "120 exported identifiers"
)

// size is what a package's non-test files hold.
type size struct {
	lines, exported int
	doc             string
}

// measure parses the non-test files of a package: lines (every line, comments included), exported
// identifiers (exported top-level names and exported methods), and the package doc.
func measure(dir string, files []string) (size, error) {
	var s size
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return s, err
		}
		s.lines += fset.File(f.Pos()).LineCount()
		if f.Doc != nil {
			s.doc += f.Doc.Text()
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() {
					s.exported++
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						if spec.Name.IsExported() {
							s.exported++
						}
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							if n.IsExported() {
								s.exported++
							}
						}
					}
				}
			}
		}
	}
	return s, nil
}

// oversize returns one message per limit a package exceeds without saying why in its doc.
func oversize(rel string, s size) []string {
	doc := strings.Join(strings.Fields(s.doc), " ")
	var out []string
	if s.lines > maxLines && !strings.Contains(doc, linesReason) {
		out = append(out, fmt.Sprintf("%s has %d lines, above the house size of %d: split it, or say why it is %s in its package doc", rel, s.lines, maxLines, linesReason))
	}
	if s.exported > maxExported && !strings.Contains(doc, exportedReason) {
		out = append(out, fmt.Sprintf("%s exports %d identifiers, above the house size of %d: split it, or say why it needs more than %s in its package doc", rel, s.exported, maxExported, exportedReason))
	}
	return out
}

// No package of the library exceeds 3,000 lines or 120 exported identifiers (exported methods
// included) unless its package doc says why.
func TestPackagesKeepTheHouseSize(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	pkgs := list(t)
	for _, p := range pkgs {
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok || strings.HasPrefix(rel, "cmd/") || strings.HasPrefix(rel, "examples") {
			continue
		}
		s, err := measure(p.Dir, p.GoFiles)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		msgs := oversize(rel, s)
		for _, msg := range msgs {
			t.Error(msg)
		}
		if len(msgs) == 0 && (s.lines > maxLines || s.exported > maxExported) {
			t.Logf("%s: %d lines, %d exported identifiers (its doc says why)", rel, s.lines, s.exported)
		}
	}
}

// A package over either limit is named with its figure unless its doc gives the reason.
func TestAnOversizePackageIsNamed(t *testing.T) {
	got := oversize("outbound/big", size{lines: 3001, exported: 121, doc: "Package big does things."})
	want := []string{
		"outbound/big has 3001 lines, above the house size of 3000: split it, or say why it is above 3,000 lines in its package doc",
		"outbound/big exports 121 identifiers, above the house size of 120: split it, or say why it needs more than 120 exported identifiers in its package doc",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := oversize("outbound/big", size{lines: 3001, exported: 121, doc: "It is above\n3,000 lines and has more than 120 exported\nidentifiers because ..."}); len(got) != 0 {
		t.Errorf("a doc that gives the reasons, across lines, is refused: %v", got)
	}
	if got := oversize("outbound/small", size{lines: 3000, exported: 120}); len(got) != 0 {
		t.Errorf("a package at the limits is refused: %v", got)
	}
}
