package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/flows"
)

var (
	// yamlBlock matches a fenced YAML block of a Markdown file.
	yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")
	wholeFlow = regexp.MustCompile(`(?m)^id: `)
	hasSteps  = regexp.MustCompile(`(?m)^steps:`)
	elided    = regexp.MustCompile(`(?m)^\s*\.\.\.\s*$`)
)

// Every whole flow shown in the README and docs/flows.md loads with the built-in actions, so a
// reader who copies one starts from a flow that works.
func TestFlowsInTheDocsLoad(t *testing.T) {
	reg, err := registry(nil)
	if err != nil {
		t.Fatal(err)
	}
	loader := flows.NewLoader(reg)
	seen := 0
	for _, doc := range []string{"README.md", "docs/flows.md"} {
		src, err := os.ReadFile(filepath.Join("..", "..", "..", "..", doc))
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range yamlBlock.FindAllSubmatchIndex(src, -1) {
			block := src[m[2]:m[3]]
			if !wholeFlow.Match(block) || !hasSteps.Match(block) || elided.Match(block) {
				continue // a fragment, or an excerpt with "..." for the steps it leaves out
			}
			seen++
			name := fmt.Sprintf("%s#flow%d", doc, i+1)
			if _, err := loader.Load(name, block); err != nil {
				t.Errorf("%s does not load:\n%v", name, err)
			}
		}
	}
	if seen == 0 {
		t.Fatal("found no whole flow in the docs: the README shows one")
	}
}

// mermaidUnder matches, in docs/flows.md, the first Mermaid block after a flow's own heading.
func mermaidUnder(id string) *regexp.Regexp {
	return regexp.MustCompile("(?s)(\n### " + regexp.QuoteMeta(id) + "\n.*?```mermaid\n)(.*?)(```)")
}

// Every example flow has its diagram in docs/flows.md, as `outflow graph` draws it today. With
// OUTFLOW_UPDATE_DOCS=1 the test writes the diagrams into the document instead.
func TestFlowDocsShowEveryExampleDiagram(t *testing.T) {
	reg, err := registry(nil)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..", "..", "..")
	docPath := filepath.Join(root, "docs", "flows.md")
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "examples", "flows", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	update := os.Getenv("OUTFLOW_UPDATE_DOCS") == "1"
	drawn := 0
	for _, file := range files {
		if strings.HasSuffix(file, ".test.yaml") {
			continue
		}
		f, err := flows.NewLoader(reg).LoadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		drawn++
		want := flows.Mermaid(f)
		re := mermaidUnder(f.ID)
		m := re.FindSubmatchIndex(doc)
		if m == nil {
			t.Errorf("docs/flows.md has no diagram under a heading \"### %s\"", f.ID)
			continue
		}
		if got := string(doc[m[4]:m[5]]); got != want {
			if !update {
				t.Errorf("the diagram of %s in docs/flows.md is not what `outflow graph %s` draws; run OUTFLOW_UPDATE_DOCS=1 go test ./cmd/outflow/internal/cli -run TestFlowDocsShowEveryExampleDiagram\ngot:\n%s\nwant:\n%s", f.ID, filepath.Base(file), got, want)
				continue
			}
			doc = append(append(append([]byte{}, doc[:m[4]]...), want...), doc[m[5]:]...)
		}
	}
	if drawn == 0 {
		t.Fatal("found no example flow")
	}
	if update {
		if err := os.WriteFile(docPath, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
