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
	// Scenarios counts the scenarios that ran the flow, AsSubflow those of them that ran it as a
	// sub-flow of the flow they test.
	Scenarios int    `json:"scenarios"`
	AsSubflow int    `json:"asSubflow,omitempty"`
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
	if c.AsSubflow > 0 {
		s += fmt.Sprintf(" (%d of %d scenarios run it as a sub-flow)", c.AsSubflow, c.Scenarios)
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

// take counts the edges one visit of a step took, from its explanation.
func take(edges []Edge, f *flows.Flow, step string, st *explain.StepTrace) {
	for _, d := range st.Branches {
		if d.Goto == "" {
			continue
		}
		if i := edgeIndex(edges, f, step, d); i >= 0 {
			edges[i].Taken++
		}
	}
}

// visits calls fn for every step visit of an execution of flow root with the id of the flow the
// step belongs to and the step's id in that flow: the steps of a sub-flow are named by their path
// ("connect/choose"), and the step that ran the sub-flow says which flow it ran.
func visits(root string, x *explain.Explanation, fn func(flowID, step string, st *explain.StepTrace)) {
	if x == nil {
		return
	}
	flowAt := map[string]string{"": root}
	for i := range x.Steps {
		st := &x.Steps[i]
		prefix, step := "", st.Step
		if j := strings.LastIndex(st.Step, "/"); j >= 0 {
			prefix, step = st.Step[:j], st.Step[j+1:]
		}
		id, ok := flowAt[prefix]
		if !ok {
			continue
		}
		if st.Runs != nil {
			flowAt[st.Step] = st.Runs.Flow
		}
		fn(id, step, st)
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

// coverage sums the edges the scenarios took, per flow: the flows tested, then the sub-flows they
// run. A step's branches count for the flow the step belongs to, so a scenario that runs a
// sub-flow for real covers the sub-flow's branches, and one that mocks the step running it covers
// only that step's outcomes.
func (s *suite) coverage(results []ScenarioResult) []Coverage {
	var out []Coverage
	var fs []*flows.Flow
	index := map[string]int{}
	add := func(f *flows.Flow) {
		if _, ok := index[f.ID]; !ok {
			index[f.ID] = len(out)
			out = append(out, Coverage{Flow: f.ID, File: f.File, Edges: edgesOf(f)})
			fs = append(fs, f)
		}
	}
	for _, f := range s.tested {
		add(f)
	}
	for _, f := range s.tested {
		for _, sub := range s.called(f) {
			add(sub)
		}
	}
	for _, r := range results {
		if r.flow == nil {
			continue
		}
		ran := map[string]bool{r.flow.ID: true}
		if i, ok := index[r.flow.ID]; ok {
			out[i].Scenarios++
		}
		visits(r.flow.ID, r.Trace, func(flowID, step string, st *explain.StepTrace) {
			i, ok := index[flowID]
			if !ok {
				return
			}
			if !ran[flowID] {
				ran[flowID] = true
				out[i].Scenarios++
				out[i].AsSubflow++
			}
			take(out[i].Edges, fs[i], step, st)
		})
	}
	return out
}
