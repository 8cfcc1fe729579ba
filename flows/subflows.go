package flows

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/suggest"
)

// MaxDepth is how deep sub-flows may nest: a flow running a flow that runs a flow is depth 3.
const MaxDepth = 4

// callee is how a step running another flow sees it while the flow loads.
func (b *builder) callee(rs *rawStep) (*Flow, bool) {
	fc, ok := rs.step.Config.(actions.FlowCaller)
	if !ok || b.loader.Flows == nil {
		return nil, false
	}
	sub := b.loader.Flows[fc.CalledFlow()]
	return sub, sub != nil
}

// call records a step that runs another flow and, when the loader knows that flow, types the
// step from it: its declared outputs are the step's output, its ends the step's outcomes.
func (b *builder) call(rs *rawStep) {
	s := rs.step
	fc, ok := s.Config.(actions.FlowCaller)
	if !ok {
		return
	}
	line, col := b.at(rs, "flow")
	b.flow.Calls = append(b.flow.Calls, Call{Step: s.ID, Flow: fc.CalledFlow(), Line: line, Col: col})
	if b.loader.Flows == nil {
		return
	}
	sub, known := b.loader.Flows[fc.CalledFlow()]
	switch {
	case !known:
		b.c.add(line, col, "step %q runs unknown flow %q%s", s.ID, fc.CalledFlow(), suggest.Hint(fc.CalledFlow(), slices.Sorted(maps.Keys(b.loader.Flows))))
		rs.broken = true
	case sub == nil:
		// The flow is known but did not load: its own problems are reported with it.
	default:
		s.Outputs = sub.OutputType()
		s.Outcomes = sub.Ends()
		rs.outcomesKnown = true
	}
}

// at returns the position of a config field of a step, or of the step's settings.
func (b *builder) at(rs *rawStep, path string) (int, int) {
	if p, ok := rs.paths[path]; ok {
		return p[0], p[1]
	}
	if rs.withNode != nil {
		return rs.withNode.Line, rs.withNode.Column
	}
	return rs.key.Line, rs.key.Column
}

// checkCallInputs checks the input a step passes to the flow it runs against that flow's declared
// inputs: no unknown names, every required input given, values of the right type.
func (b *builder) checkCallInputs() {
	for _, rs := range b.steps {
		sub, ok := b.callee(rs)
		if !ok || rs.broken {
			continue
		}
		given := rs.step.Config.(actions.FlowCaller).CalledInput()
		declared := map[string]Input{}
		var names []string
		for _, in := range sub.Inputs {
			declared[in.Name] = in
			names = append(names, in.Name)
		}
		for _, k := range slices.Sorted(maps.Keys(given)) {
			line, col := b.at(rs, "input."+k)
			in, ok := declared[k]
			switch {
			case !ok:
				b.c.add(line, col, "step %q: flow %q has no input %q; its inputs are %s%s", rs.step.ID, sub.ID, k, listOrNone(names), suggest.Hint(k, names))
			case !compatible(in.Type, given[k]):
				b.c.add(line, col, "step %q: input %q of flow %q is a %s, not a %s", rs.step.ID, k, sub.ID, in.Type.Kind, given[k].Kind)
			}
		}
		for _, in := range sub.Inputs {
			if _, ok := given[in.Name]; in.Required && !ok {
				line, col := b.at(rs, "flow")
				b.c.add(line, col, "step %q: flow %q needs input %q; pass it under input", rs.step.ID, sub.ID, in.Name)
			}
		}
	}
}

// checkEnds checks every end of a flow that declares outputs against them: an end may only output
// declared names, each with a value of its declared type. A declared output an end leaves out
// reads as its type's zero value.
func (b *builder) checkEnds() {
	f := b.flow
	if f.Outputs == nil {
		return
	}
	declared := map[string]actions.Type{}
	var names []string
	for _, o := range f.Outputs {
		declared[o.Name] = o.Type
		names = append(names, o.Name)
	}
	for _, rs := range b.steps {
		s := rs.step
		if rs.broken || !s.Terminal || s.Kind.Fails || s.Outputs.Fields == nil {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(s.Outputs.Fields)) {
			line, col := b.at(rs, "output."+k)
			t, ok := declared[k]
			switch {
			case !ok:
				b.c.add(line, col, "end step %q outputs %q, which the flow does not declare under outputs (it declares %s)%s", s.ID, k, listOrNone(names), suggest.Hint(k, names))
			case !compatible(t, s.Outputs.Fields[k]):
				b.c.add(line, col, "end step %q: output %q is declared a %s, not a %s", s.ID, k, t.Kind, s.Outputs.Fields[k].Kind)
			}
		}
	}
}

// compatible reports whether a value of type got may be passed where want is declared: either is
// unknown, or both are the same kind.
func compatible(want, got actions.Type) bool {
	return want.IsAny() || got.IsAny() || want.Kind == got.Kind
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// CheckCalls checks the sub-flow calls across a set of loaded flows: no flow may reach itself,
// and no chain may nest deeper than MaxDepth. LoadFiles, LoadDir and LoadFS run it on what they
// load; a host that loads flows one by one runs it on them together.
func CheckCalls(loaded []*Flow) Diagnostics {
	byID := map[string]*Flow{}
	for _, f := range loaded {
		byID[f.ID] = f
	}
	var ds Diagnostics
	for _, f := range loaded {
		for _, c := range f.Calls {
			if path := reach(byID, c.Flow, f.ID, nil); path != nil {
				ds = append(ds, Diagnostic{File: f.File, Line: c.Line, Col: c.Col, Message: fmt.Sprintf(
					"step %q runs flow %q, which leads back to %q (%s): a flow cannot run inside itself",
					c.Step, c.Flow, f.ID, strings.Join(append([]string{f.ID}, path...), " → "))})
				continue
			}
			if d := depth(byID, c.Flow, 0); d+1 > MaxDepth {
				ds = append(ds, Diagnostic{File: f.File, Line: c.Line, Col: c.Col, Message: fmt.Sprintf(
					"step %q runs flow %q, which nests sub-flows %d deep; at most %d may nest", c.Step, c.Flow, d+1, MaxDepth)})
			}
		}
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].File < ds[j].File })
	return ds
}

// reach returns the chain of flow ids from id to target through sub-flow calls, or nil.
func reach(byID map[string]*Flow, id, target string, seen []string) []string {
	if id == target {
		return []string{id}
	}
	if slices.Contains(seen, id) {
		return nil
	}
	f := byID[id]
	if f == nil {
		return nil
	}
	seen = append(seen, id)
	for _, c := range f.Calls {
		if p := reach(byID, c.Flow, target, seen); p != nil {
			return append([]string{id}, p...)
		}
	}
	return nil
}

// depth is how many flows deep the calls of flow id nest (a flow calling none is 1). Cycles are
// cut (they are reported on their own).
func depth(byID map[string]*Flow, id string, level int) int {
	f := byID[id]
	if f == nil || level > MaxDepth+1 {
		return 1
	}
	d := 1
	for _, c := range f.Calls {
		d = max(d, 1+depth(byID, c.Flow, level+1))
	}
	return d
}
