package console

import (
	"strings"
	"testing"

	"github.com/outflowhq/outflow/flows"
)

func TestTheDiagramRowsStepsByDistanceAndEscapesEveryText(t *testing.T) {
	t.Parallel()
	g := flows.Graph{
		Start: "a",
		Nodes: []flows.GraphNode{
			{ID: "a", Lines: []string{"a · screen", "<script>alert(1)</script>"}, Shape: "pause"},
			{ID: "b", Lines: []string{"b · http"}, Shape: "action"},
			{ID: "c", Lines: []string{"c · end"}, Shape: "finish"},
			{ID: "orphan", Lines: []string{"orphan · end"}, Shape: "failure"},
		},
		Edges: []flows.GraphEdge{
			{From: "a", To: "b", Label: "next & more"},
			{From: "b", To: "c"},
			{From: "b", To: "a", Label: "catch: timeout", Catch: true},
		},
	}
	var rows []string
	for _, r := range layers(g) {
		var row []string
		for _, n := range r {
			row = append(row, n.ID)
		}
		rows = append(rows, strings.Join(row, ","))
	}
	if got := strings.Join(rows, "|"); got != "a|b|c|orphan" {
		t.Errorf("rows %s", got)
	}
	svg, text := diagram(g, "demo <flow>")
	out := string(svg)
	for _, bad := range []string{"<script>", "demo <flow>", "next & more"} {
		if strings.Contains(out, bad) {
			t.Errorf("the SVG holds unescaped %q", bad)
		}
	}
	if !strings.Contains(out, `class="edge edge-catch"`) || !strings.Contains(out, `role="img"`) || strings.Count(out, `<g class="node`) != 4 {
		t.Errorf("svg %s", out)
	}
	if len(text) != 4 || strings.Join(text[1].Edges, "; ") != "goes to c; goes to a (catch: timeout)" || len(text[2].Edges) != 0 {
		t.Errorf("text alternative %+v", text)
	}
}
