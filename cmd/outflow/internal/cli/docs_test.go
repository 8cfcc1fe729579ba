package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/flows"
)

const (
	diagramsStart = "<!-- diagrams:start (generated: OUTFLOW_UPDATE_DOCS=1 go test ./cmd/outflow/internal/cli -run TestFlowDocsShowEveryExampleDiagram) -->"
	diagramsEnd   = "<!-- diagrams:end -->"
)

// docs/flows.md shows the diagram of every example flow, as `outflow graph` draws it today.
func TestFlowDocsShowEveryExampleDiagram(t *testing.T) {
	reg, err := registry(nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := flows.NewLoader(reg).LoadDir(examplesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(diagramsStart + "\n")
	for _, f := range loaded {
		b.WriteString("\n### " + f.ID + "\n\n")
		if f.Description != "" {
			b.WriteString(strings.TrimSpace(f.Description) + "\n\n")
		}
		b.WriteString("[`examples/flows/" + filepath.Base(f.File) + "`](../examples/flows/" + filepath.Base(f.File) + ")\n\n")
		b.WriteString("```mermaid\n" + strings.TrimRight(flows.Mermaid(f), "\n") + "\n```\n")
	}
	b.WriteString("\n" + diagramsEnd)
	want := b.String()

	path := "../../../../docs/flows.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i, j := strings.Index(text, diagramsStart), strings.Index(text, diagramsEnd)
	if i < 0 || j < i {
		t.Fatalf("docs/flows.md has no diagrams section between %q and %q", diagramsStart, diagramsEnd)
	}
	current := text[i : j+len(diagramsEnd)]
	if current == want {
		return
	}
	if os.Getenv("OUTFLOW_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(text[:i]+want+text[j+len(diagramsEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("the diagrams in docs/flows.md are out of date: run OUTFLOW_UPDATE_DOCS=1 go test ./cmd/outflow/internal/cli -run TestFlowDocsShowEveryExampleDiagram")
}
