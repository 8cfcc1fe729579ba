package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
