package console

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/outflowhq/outflow/flows"
)

// The flow diagram is drawn on the server, as SVG, from flows.GraphOf, the graph `outflow graph`
// renders as Mermaid: no script and nothing fetched. Steps are laid out in rows by their
// distance from the start; edges that go back up are drawn as curves on the right. The page
// also lists the steps and their edges as text, the diagram's text alternative.

const (
	nodeW, lineH, nodePad = 210, 16, 10
	colGap, rowGap        = 40, 70
	margin                = 24
)

type placed struct {
	node       flows.GraphNode
	x, y, h    int
	row, index int
}

// stepText is a step of the text alternative: its label and where it goes.
type stepText struct {
	ID, Label, Shape string
	Edges            []string
}

// diagram returns the SVG of g and its text alternative.
func diagram(g flows.Graph, title string) (template.HTML, []stepText) {
	rows := layers(g)
	pos := map[string]*placed{}
	widest := 0
	for _, r := range rows {
		widest = max(widest, len(r))
	}
	width := 2*margin + widest*nodeW + (widest-1)*colGap + 120
	y := margin + 30
	for ri, r := range rows {
		rowH := 0
		offset := (widest - len(r)) * (nodeW + colGap) / 2
		for i, n := range r {
			h := len(n.Lines)*lineH + 2*nodePad
			pos[n.ID] = &placed{node: n, x: margin + offset + i*(nodeW+colGap), y: y, h: h, row: ri, index: i}
			rowH = max(rowH, h)
		}
		y += rowH + rowGap
	}
	height := y - rowGap + margin
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="diagram-title diagram-desc">`, width, height, width, height)
	fmt.Fprintf(&b, `<title id="diagram-title">Diagram of %s</title><desc id="diagram-desc">The steps and where each one goes are listed as text below the diagram.</desc>`, html.EscapeString(title))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0 0L10 5L0 10z"/></marker></defs>`)
	if p, ok := pos[g.Start]; ok {
		cx := p.x + nodeW/2
		fmt.Fprintf(&b, `<circle class="start" cx="%d" cy="%d" r="7"/><line class="edge" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#arrow)"/>`, cx, p.y-28, cx, p.y-21, cx, p.y-2)
	}
	for i, e := range g.Edges {
		from, to := pos[e.From], pos[e.To]
		if from == nil || to == nil {
			continue
		}
		drawEdge(&b, from, to, e, i)
	}
	for _, n := range g.Nodes {
		p := pos[n.ID]
		fmt.Fprintf(&b, `<g class="node node-%s"><rect x="%d" y="%d" width="%d" height="%d" rx="%d"/>`, n.Shape, p.x, p.y, nodeW, p.h, radius(n.Shape))
		for li, l := range n.Lines {
			weight := ""
			if li == 0 {
				weight = ` font-weight="600"`
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d"%s>%s</text>`, p.x+nodePad, p.y+nodePad+12+li*lineH, weight, html.EscapeString(clip(l, 30)))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()), textOf(g) // #nosec: every text in it is escaped above
}

func radius(shape string) int {
	switch shape {
	case "pause":
		return 12
	case "finish":
		return 20
	}
	return 4
}

func drawEdge(b *strings.Builder, from, to *placed, e flows.GraphEdge, i int) {
	class := "edge"
	if e.Catch {
		class += " edge-catch"
	}
	var lx, ly int
	if to.row > from.row {
		x1, y1 := from.x+nodeW/2, from.y+from.h
		x2, y2 := to.x+nodeW/2, to.y
		fmt.Fprintf(b, `<path class="%s" d="M%d %d C%d %d %d %d %d %d" marker-end="url(#arrow)"/>`, class, x1, y1, x1, y1+rowGap/2, x2, y2-rowGap/2, x2, y2-1)
		lx, ly = (x1+x2)/2+4, (y1+y2)/2
	} else {
		// Back up (a loop) or across: out of the right side, around, into the right side.
		x1, y1 := from.x+nodeW, from.y+from.h/2
		x2, y2 := to.x+nodeW, to.y+to.h/2+6*(i%3)
		bend := max(x1, x2) + 50 + 8*(i%4)
		fmt.Fprintf(b, `<path class="%s" d="M%d %d C%d %d %d %d %d %d" marker-end="url(#arrow)"/>`, class, x1, y1, bend, y1, bend, y2, x2+1, y2)
		lx, ly = bend-20, (y1+y2)/2
	}
	if e.Label != "" {
		fmt.Fprintf(b, `<text class="elabel" x="%d" y="%d">%s</text>`, lx, ly, html.EscapeString(clip(e.Label, 26)))
	}
}

// layers puts each node in the row of its distance from the start (breadth first, file order
// within a row); nodes the start does not reach go in a last row.
func layers(g flows.Graph) [][]flows.GraphNode {
	next := map[string][]string{}
	for _, e := range g.Edges {
		next[e.From] = append(next[e.From], e.To)
	}
	depth := map[string]int{}
	if g.Start != "" {
		depth[g.Start] = 0
		queue := []string{g.Start}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			for _, to := range next[id] {
				if _, seen := depth[to]; !seen {
					depth[to] = depth[id] + 1
					queue = append(queue, to)
				}
			}
		}
	}
	deepest := -1
	for _, d := range depth {
		deepest = max(deepest, d)
	}
	rows := make([][]flows.GraphNode, deepest+2)
	for _, n := range g.Nodes {
		d, ok := depth[n.ID]
		if !ok {
			d = deepest + 1
		}
		rows[d] = append(rows[d], n)
	}
	if len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	return rows
}

// textOf lists each step with its edges: the diagram as text.
func textOf(g flows.Graph) []stepText {
	var out []stepText
	for _, n := range g.Nodes {
		st := stepText{ID: n.ID, Label: strings.Join(n.Lines, " · "), Shape: n.Shape}
		for _, e := range g.Edges {
			if e.From != n.ID {
				continue
			}
			s := "goes to " + e.To
			if e.Label != "" {
				s += " (" + e.Label + ")"
			}
			st.Edges = append(st.Edges, s)
		}
		out = append(out, st)
	}
	return out
}

// clip shortens s to n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
