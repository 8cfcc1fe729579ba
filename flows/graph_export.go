package flows

// Graph is the flow's graph as Mermaid and Dot draw it, for renderers of their own (the
// console draws it as SVG): the entry step, the steps in file order and the edges per step.
type Graph struct {
	// Start is the id of the first step.
	Start string
	Nodes []GraphNode
	Edges []GraphEdge
}

// GraphNode is a step: its id and its label lines (id and action, literal title, buttons,
// limits), and its shape: "action", "pause" (a screen or a redirect), "finish" or "failure".
type GraphNode struct {
	ID    string
	Lines []string
	Shape string
}

// GraphEdge goes from one step to the next: Label is the outcome(s), the condition, "else", or
// "catch: " and the error codes; Catch marks the edges of caught errors.
type GraphEdge struct {
	From, To, Label string
	Catch           bool
}

// GraphOf returns the graph of f, the same as Mermaid(f) and Dot(f) draw.
func GraphOf(f *Flow) Graph {
	g := newGraph(f)
	out := Graph{Start: g.start}
	for _, n := range g.nodes {
		out.Nodes = append(out.Nodes, GraphNode{ID: n.id, Lines: append([]string(nil), n.lines...), Shape: n.shape.class()})
	}
	for _, e := range g.edges {
		out.Edges = append(out.Edges, GraphEdge{From: e.from, To: e.to, Label: e.label, Catch: e.catch})
	}
	return out
}
