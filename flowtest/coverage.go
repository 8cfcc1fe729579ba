package flowtest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/flows"
)

// Ways a branch is taken: Edge.Via.
const (
	ViaOn      = "on"      // an outcome mapped under on:
	ViaWhen    = "when"    // a condition of next:
	ViaDefault = "default" // the branch of next: without a condition, after conditions
	ViaNext    = "next"    // next: with a single step
	ViaCatch   = "catch"   // an error code (or any) under catch:
)

// Edge is one branch of a flow: an outcome under on:, a branch of next: or a code under catch:.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Via  string `json:"via"`
	// Key is the outcome (on), the condition (when) or the error code (catch).
	Key string `json:"key,omitempty"`
	// Line is the line of the branch (next) or of its step (on, catch).
	Line int `json:"line"`
	// Taken counts the times scenarios took the branch.
	Taken int `json:"taken"`
}

// String renders the edge as `team → too_many (when steps.team.output.seats < 2 ...)`.
func (e Edge) String() string { return fmt.Sprintf("%s → %s (%s)", e.From, e.To, e.label()) }

func (e Edge) label() string {
	switch e.Via {
	case ViaWhen:
		return "when " + shorten(e.Key, 48)
	case ViaOn, ViaCatch:
		return e.Via + " " + e.Key
	}
	return e.Via
}

// condition says what takes the edge, for failure messages.
func (e Edge) condition() string {
	switch e.Via {
	case ViaOn:
		return fmt.Sprintf("on outcome %q", e.Key)
	case ViaWhen:
		return "when " + e.Key
	case ViaCatch:
		return "on error " + e.Key
	case ViaDefault:
		return "by default (when no condition holds)"
	}
	return "next"
}

func shorten(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n])) + " ..."
}

// Coverage is the branch coverage of one flow.
type Coverage struct {
	Flow string `json:"flow"`
	File string `json:"file"`
	// Scenarios counts the scenarios that ran the flow.
	Scenarios int    `json:"scenarios"`
	Edges     []Edge `json:"edges"`
}

// Taken returns how many edges at least one scenario took.
func (c Coverage) Taken() int {
	n := 0
	for _, e := range c.Edges {
		if e.Taken > 0 {
			n++
		}
	}
	return n
}

// Missed returns the edges no scenario took.
func (c Coverage) Missed() []Edge {
	var out []Edge
	for _, e := range c.Edges {
		if e.Taken == 0 {
			out = append(out, e)
		}
	}
	return out
}

// Complete reports whether scenarios ran the flow and took every edge.
func (c Coverage) Complete() bool { return c.Scenarios > 0 && len(c.Missed()) == 0 }

// String renders the coverage as `choose-plan: 7/8 branches; never taken: team → too_many (...)`.
func (c Coverage) String() string {
	s := fmt.Sprintf("%s: %d/%d branches", c.Flow, c.Taken(), len(c.Edges))
	if c.Scenarios == 0 {
		return s + "; no scenarios"
	}
	if missed := c.Missed(); len(missed) > 0 {
		parts := make([]string, len(missed))
		for i, e := range missed {
			parts[i] = e.String()
		}
		s += "; never taken: " + strings.Join(parts, ", ")
	}
	return s
}

// edgesOf lists every edge of a flow: for each step in file order, its on outcomes (sorted), its
// next branches in order, its catch codes (sorted).
func edgesOf(f *flows.Flow) []Edge {
	var out []Edge
	for _, s := range f.Steps {
		for _, o := range keysOf(s.On) {
			out = append(out, Edge{From: s.ID, To: s.On[o], Via: ViaOn, Key: o, Line: s.Line})
		}
		for _, br := range s.Next {
			e := Edge{From: s.ID, To: br.Goto, Via: ViaDefault, Line: br.Line}
			switch {
			case br.When != nil:
				e.Via, e.Key, e.Line = ViaWhen, br.When.Source(), br.When.Line()
			case len(s.Next) == 1:
				e.Via = ViaNext
			}
			out = append(out, e)
		}
		for _, c := range keysOf(s.Catch) {
			out = append(out, Edge{From: s.ID, To: s.Catch[c], Via: ViaCatch, Key: c, Line: s.Line})
		}
	}
	return out
}

func keysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// take counts the edges an execution took, from its explanation.
func take(edges []Edge, f *flows.Flow, x *explain.Explanation) {
	if x == nil {
		return
	}
	for _, st := range x.Steps {
		for _, d := range st.Branches {
			if d.Goto == "" {
				continue
			}
			if i := edgeIndex(edges, f, st.Step, d); i >= 0 {
				edges[i].Taken++
			}
		}
	}
}

// edgeIndex finds the edge a decision took.
func edgeIndex(edges []Edge, f *flows.Flow, from string, d engine.Decision) int {
	via, key := d.Via, ""
	switch d.Via {
	case ViaOn:
		key = d.Outcome
	case ViaWhen:
		if n := len(d.Checks); n > 0 {
			key = d.Checks[n-1].When
		}
	case ViaCatch:
		key, _ = strings.CutPrefix(d.Outcome, "error:")
		if s, ok := f.Step(from); ok {
			if _, named := s.Catch[key]; !named {
				key = flows.CatchAny
			}
		}
	}
	for i, e := range edges {
		if e.From != from || e.To != d.Goto {
			continue
		}
		if e.Via == via && e.Key == key || via == ViaDefault && e.Via == ViaNext {
			return i
		}
	}
	return -1
}

// coverage sums the edges the scenarios took, per tested flow.
func (s *suite) coverage(results []ScenarioResult) []Coverage {
	out := make([]Coverage, 0, len(s.tested))
	for _, f := range s.tested {
		c := Coverage{Flow: f.ID, File: f.File, Edges: edgesOf(f)}
		for _, r := range results {
			if r.flow == f {
				c.Scenarios++
				take(c.Edges, f, r.Trace)
			}
		}
		out = append(out, c)
	}
	return out
}
