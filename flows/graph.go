package flows

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/decode"
)

// Mermaid returns the flow as a Mermaid flowchart (`flowchart TD`): one node per step in file order,
// labelled with its id, its action and, for screens, the title (when it is literal text) and the
// buttons. Outcome edges are labelled with the outcome, conditional branches with their condition and
// the default branch with "else"; catch edges are dashed. Screens are rounded, end steps stadiums and
// fail steps hexagons. The output is the same for the same flow.
func Mermaid(f *Flow) string { return MermaidExpanded(f, nil) }

// MermaidExpanded is Mermaid with each step that runs another flow found in subs drawn as a box
// holding that flow's steps (nested as deep as they go); without subs such a step is one box,
// drawn as a subroutine.
func MermaidExpanded(f *Flow, subs map[string]*Flow) string {
	g := newGraph(f)
	var b strings.Builder
	if validFlowID(f.ID) {
		fmt.Fprintf(&b, "---\ntitle: %s\n---\n", f.ID)
	}
	b.WriteString("flowchart TD\n")
	if g.start != "" {
		b.WriteString("  start((\"start\"))\n")
	}
	classes := map[nodeShape][]string{}
	writeMermaid(&b, f, g, "", subs, classes, map[string]bool{f.ID: true})
	if g.start != "" {
		b.WriteString("  classDef entry fill:#333,stroke:#333,color:#fff\n  class start entry\n")
	}
	for _, sh := range []nodeShape{shapePause, shapeEnd, shapeFail} {
		if ids := classes[sh]; len(ids) > 0 {
			fmt.Fprintf(&b, "  classDef %s %s\n  class %s %s\n", sh.class(), sh.style(), strings.Join(ids, ","), sh.class())
		}
	}
	return b.String()
}

var mermaidShapes = map[nodeShape][2]string{
	shapeAction: {"[", "]"},
	shapePause:  {"(", ")"},
	shapeEnd:    {"([", "])"},
	shapeFail:   {"{{", "}}"},
	shapeCall:   {"[[", "]]"},
}

// writeMermaid writes the nodes and edges of f, their ids prefixed (the path of the steps running
// it), expanding the flows of subs it runs that are not already open (seen).
func writeMermaid(b *strings.Builder, f *Flow, g graph, prefix string, subs map[string]*Flow, classes map[nodeShape][]string, seen map[string]bool) {
	for _, n := range g.nodes {
		lines := make([]string, len(n.lines))
		for i, l := range n.lines {
			lines[i] = mermaidText(l)
		}
		id := mermaidID(prefix + n.id)
		if sub := subs[n.calls]; sub != nil && !seen[sub.ID] {
			fmt.Fprintf(b, "  subgraph %s [\"%s\"]\n", id, strings.Join(lines, " "))
			seen[sub.ID] = true
			sg := newGraph(sub)
			writeMermaid(b, sub, sg, prefix+n.id+"__", subs, classes, seen)
			delete(seen, sub.ID)
			b.WriteString("  end\n")
			continue
		}
		sh := mermaidShapes[n.shape]
		fmt.Fprintf(b, "  %s%s\"%s\"%s\n", id, sh[0], strings.Join(lines, "<br/>"), sh[1])
		classes[n.shape] = append(classes[n.shape], id)
	}
	if prefix == "" && g.start != "" {
		fmt.Fprintf(b, "  start --> %s\n", mermaidID(g.start))
	}
	for _, e := range g.edges {
		arrow := "-->"
		if e.catch {
			arrow = "-.->"
		}
		label := ""
		if e.label != "" {
			label = "|\"" + mermaidText(e.label) + "\"|"
		}
		fmt.Fprintf(b, "  %s %s%s %s\n", mermaidID(prefix+e.from), arrow, label, mermaidID(prefix+e.to))
	}
}

// Dot returns the flow as a Graphviz digraph with the same nodes and edges as Mermaid: screens are
// rounded boxes, end steps double-bordered, fail steps octagons, catch edges dashed.
func Dot(f *Flow) string {
	g := newGraph(f)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotString(f.ID))
	if f.ID != "" {
		fmt.Fprintf(&b, "  label=%s;\n  labelloc=t;\n  fontname=\"Helvetica\";\n", dotString(f.ID))
	}
	b.WriteString("  node [shape=box, fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=10];\n")
	if g.start != "" {
		b.WriteString("  \"__start__\" [label=\"start\", shape=circle, style=filled, fillcolor=\"#333333\", fontcolor=white];\n")
	}
	attrs := map[nodeShape]string{
		shapeAction: "",
		shapePause:  `, style="rounded,filled", fillcolor="#e8f0fe"`,
		shapeEnd:    `, style="rounded,filled", peripheries=2, fillcolor="#e6f4ea"`,
		shapeFail:   `, shape=octagon, style=filled, fillcolor="#fce8e6"`,
		shapeCall:   `, peripheries=2`,
	}
	for _, n := range g.nodes {
		fmt.Fprintf(&b, "  %s [label=%s%s];\n", dotString(n.id), dotString(strings.Join(n.lines, "\n")), attrs[n.shape])
	}
	if g.start != "" {
		fmt.Fprintf(&b, "  \"__start__\" -> %s;\n", dotString(g.start))
	}
	for _, e := range g.edges {
		var attr []string
		if e.label != "" {
			attr = append(attr, "label="+dotString(e.label))
		}
		if e.catch {
			attr = append(attr, "style=dashed")
		}
		suffix := ""
		if len(attr) > 0 {
			suffix = " [" + strings.Join(attr, ", ") + "]"
		}
		fmt.Fprintf(&b, "  %s -> %s%s;\n", dotString(e.from), dotString(e.to), suffix)
	}
	b.WriteString("}\n")
	return b.String()
}

type nodeShape int

const (
	shapeAction nodeShape = iota
	shapePause
	shapeEnd
	shapeFail
	// shapeCall is a step that runs another flow.
	shapeCall
)

func (s nodeShape) class() string {
	return [...]string{"action", "pause", "finish", "failure", "call"}[s]
}

func (s nodeShape) style() string {
	return [...]string{"", "fill:#e8f0fe,stroke:#4a6fa5", "fill:#e6f4ea,stroke:#3c8d40", "fill:#fce8e6,stroke:#c5221f", ""}[s]
}

type graphNode struct {
	id string
	// calls is the id of the flow the step runs, if it runs one.
	calls string
	lines []string // plain text, escaped by each renderer
	shape nodeShape
}

type graphEdge struct {
	from, to, label string
	catch           bool
}

// graph is what both renderers draw: nodes in file order, edges per step in the order on (by
// outcome), next (as written), catch (by code).
type graph struct {
	start string
	nodes []graphNode
	edges []graphEdge
}

func newGraph(f *Flow) graph {
	g := graph{start: f.Start}
	for _, s := range f.Steps {
		g.nodes = append(g.nodes, graphNode{id: s.ID, calls: calledFlow(s), lines: nodeLines(s), shape: shapeOf(s)})
		g.edges = append(g.edges, grouped(s.ID, s.On, "", false)...)
		for _, br := range s.Next {
			label := ""
			switch {
			case br.When != nil:
				label = strings.Join(strings.Fields(br.When.Source()), " ")
			case len(s.Next) > 1:
				label = "else"
			}
			g.edges = append(g.edges, graphEdge{from: s.ID, to: br.Goto, label: label})
		}
		g.edges = append(g.edges, grouped(s.ID, s.Catch, "catch: ", true)...)
	}
	return g
}

// grouped returns one edge per target of an on or catch mapping, labelled with the names that lead
// there, in the order of the first name.
func grouped(from string, m map[string]string, prefix string, catch bool) []graphEdge {
	var out []graphEdge
	at := map[string]int{}
	for _, name := range sortedKeys(m) {
		to := m[name]
		if i, ok := at[to]; ok {
			out[i].label += ", " + name
			continue
		}
		at[to] = len(out)
		out = append(out, graphEdge{from: from, to: to, label: prefix + name, catch: catch})
	}
	return out
}

// calledFlow is the id of the flow a step runs, or "".
func calledFlow(s *Step) string {
	if fc, ok := s.Config.(actions.FlowCaller); ok {
		return fc.CalledFlow()
	}
	return ""
}

func shapeOf(s *Step) nodeShape {
	switch {
	case calledFlow(s) != "":
		return shapeCall
	case s.Kind.Fails:
		return shapeFail
	case s.Terminal:
		return shapeEnd
	case s.Pauses:
		return shapePause
	}
	return shapeAction
}

// nodeLines is the label of a step: id and action, then the literal title, the buttons of a step
// whose outcomes come from its settings, and its timeout and retries.
func nodeLines(s *Step) []string {
	kind := s.Kind.Name
	if kind == "" {
		kind = "?"
	}
	lines := []string{s.ID + " · " + kind}
	if called := calledFlow(s); called != "" {
		lines[0] += ": " + called
	}
	if title := literalTitle(s.Config); title != "" {
		lines = append(lines, truncate(title, 40))
	}
	if _, ok := s.Config.(actions.OutcomesDeclarer); ok && len(s.Outcomes) > 0 {
		buttons := make([]string, len(s.Outcomes))
		for i, o := range s.Outcomes {
			buttons[i] = "[" + o + "]"
		}
		lines = append(lines, strings.Join(buttons, " "))
	}
	var limits []string
	if s.Timeout > 0 {
		limits = append(limits, "timeout "+s.Timeout.String())
	}
	if s.Retry.Attempts > 1 {
		limits = append(limits, fmt.Sprintf("%d attempts", s.Retry.Attempts))
	}
	if len(limits) > 0 {
		lines = append(lines, strings.Join(limits, ", "))
	}
	return lines
}

// literalTitle returns the `title` setting of a step's config when it is literal text.
func literalTitle(cfg any) string {
	v := reflect.ValueOf(cfg)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	for _, f := range decode.Fields(v.Type()) {
		if f.Name != "title" {
			continue
		}
		switch x := v.FieldByIndex(f.Index).Interface().(type) {
		case string:
			return x
		case interface{ Literal() (string, bool) }:
			if s, ok := x.Literal(); ok {
				return s
			}
		}
	}
	return ""
}

// truncate shortens s to n runes, whitespace collapsed.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func mermaidID(step string) string { return "s_" + step }

// mermaidEntities replaces what Mermaid would read as syntax or HTML inside a quoted label.
var mermaidEntities = strings.NewReplacer(
	"#", "#35;",
	`"`, "#quot;",
	"&", "#amp;",
	"<", "#lt;",
	">", "#gt;",
	"|", "#124;",
	"[", "#91;",
	"]", "#93;",
	"{", "#123;",
	"}", "#125;",
	"`", "#96;",
)

// mermaidText makes one line of text safe inside a quoted Mermaid label.
func mermaidText(s string) string {
	return mermaidEntities.Replace(strings.Join(strings.Fields(s), " "))
}

// dotString quotes s as a Graphviz string, line breaks as \n.
func dotString(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		l = strings.ReplaceAll(l, `\`, `\\`)
		lines[i] = strings.ReplaceAll(l, `"`, `\"`)
	}
	return `"` + strings.Join(lines, `\n`) + `"`
}
