package flows

import (
	"slices"
	"sort"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/suggest"
)

// lint checks the flow as a graph: every reference names a step, every step is reachable and has a
// way out for every outcome, and no loop can spin without pausing.
// engineCodes are the error codes any step can raise, whatever its action.
var engineCodes = []string{actions.CodeTimeout, actions.CodeInternal, actions.CodeExpression, actions.CodeLimit, actions.CodeOutput}

func (b *builder) lint() {
	f := b.flow
	ids := make([]string, 0, len(f.Steps))
	for _, s := range f.Steps {
		ids = append(ids, s.ID)
	}
	ref := func(target string, line, col int, what string) bool {
		if _, ok := f.byID[target]; ok {
			return true
		}
		b.c.add(line, col, "%s refers to unknown step %q%s", what, target, suggest.Hint(target, ids))
		return false
	}
	if b.startNode != nil {
		ref(f.Start, b.startNode.Line, b.startNode.Column, "start")
	}
	for _, rs := range b.steps {
		s := rs.step
		for outcome, target := range s.On {
			n := rs.onNodes[outcome]
			ref(target, n.Line, n.Column, "on."+outcome+" of step "+quote(s.ID))
			if rs.outcomesKnown && !contains(s.Outcomes, outcome) {
				b.c.add(n.Line, n.Column, "step %q: %s has no outcome %q; its outcomes are %s%s",
					s.ID, s.Kind.Name, outcome, strings.Join(s.Outcomes, ", "), suggest.Hint(outcome, s.Outcomes))
			}
		}
		for code, target := range s.Catch {
			n := rs.catchNode[code]
			ref(target, n.Line, n.Column, "catch."+code+" of step "+quote(s.ID))
			if len(s.Kind.Errors) > 0 && code != CatchAny && !contains(engineCodes, code) && !contains(s.Kind.Errors, code) {
				b.c.add(n.Line, n.Column, "step %q: %s raises no error %q; it raises %s, and any step can raise %s (or use %q)%s",
					s.ID, s.Kind.Name, code, strings.Join(s.Kind.Errors, ", "), strings.Join(engineCodes, ", "), CatchAny, suggest.Hint(code, slices.Concat(s.Kind.Errors, engineCodes)))
			}
		}
		for i, br := range s.Next {
			n := rs.nextNodes[i]
			ref(br.Goto, n.Line, n.Column, "next of step "+quote(s.ID))
			if br.When == nil && i < len(s.Next)-1 && rs.whenNodes[i] == nil {
				b.c.add(n.Line, n.Column, "step %q: the branch without a condition is the default and must come last; the branches after it can never be taken", s.ID)
			}
		}
		if rs.outcomesKnown {
			b.wayOut(rs)
		}
	}
	if !b.edgesUnknown {
		// A step whose settings failed to load still has its transitions; only a step that is not
		// a mapping at all leaves what it leads to unknown.
		b.reachability()
	}
	b.loops()
}

// declaresOutcomes reports whether the outcomes of kind's steps depend on their config.
func declaresOutcomes(kind actions.Kind) bool {
	if kind.NewConfig == nil {
		return false
	}
	_, ok := kind.NewConfig().(actions.OutcomesDeclarer)
	return ok
}

// callsFlow reports whether kind's steps run another flow, whose ends are their outcomes.
func callsFlow(kind actions.Kind) bool {
	if kind.NewConfig == nil {
		return false
	}
	_, ok := kind.NewConfig().(actions.FlowCaller)
	return ok
}

// learnOutcomes takes the outcomes of a step whose config decoded, before its Validate runs, so
// that a step whose settings are wrong still has its on: keys checked. A config that cannot tell
// them before it is valid (it panics) leaves them unknown.
func (b *builder) learnOutcomes(rs *rawStep) {
	if callsFlow(rs.step.Kind) {
		return
	}
	defer func() {
		if recover() != nil {
			rs.outcomesKnown = false
		}
	}()
	rs.step.Outcomes = rs.step.Kind.OutcomesOf(rs.step.Config)
	rs.outcomesKnown = true
}

// wayOut checks that every outcome of a step leads somewhere.
func (b *builder) wayOut(rs *rawStep) {
	s := rs.step
	if s.Terminal {
		for _, key := range []string{"next", "on"} {
			if n := rs.nodes[key]; n != nil {
				b.c.add(n.Line, n.Column, "step %q ends the flow (%s); remove %s", s.ID, s.Kind.Name, key)
			}
		}
		return
	}
	hasDefault := false
	for i, br := range s.Next {
		if br.When == nil && rs.whenNodes[i] == nil {
			hasDefault = true
		}
	}
	var uncovered []string
	for _, o := range s.Outcomes {
		if _, ok := s.On[o]; !ok {
			uncovered = append(uncovered, o)
		}
	}
	switch {
	case len(uncovered) == 0 || hasDefault:
	case len(s.Next) == 0:
		b.c.add(rs.key.Line, rs.key.Column, "step %q has no way out for outcome %s: add next, or map it under on",
			s.ID, strings.Join(quoteAll(uncovered), ", "))
	default:
		n := rs.nodes["next"]
		b.c.add(n.Line, n.Column, "step %q: when none of its conditions holds there is nowhere to go (outcome %s); add a last branch with only goto as the default",
			s.ID, strings.Join(quoteAll(uncovered), ", "))
	}
}

// successors returns the known steps a step can go to.
func (f *Flow) successors(s *Step) []string {
	var out []string
	add := func(t string) {
		if _, ok := f.byID[t]; ok && !contains(out, t) {
			out = append(out, t)
		}
	}
	for _, br := range s.Next {
		add(br.Goto)
	}
	for _, o := range sortedKeys(s.On) {
		add(s.On[o])
	}
	for _, c := range sortedKeys(s.Catch) {
		add(s.Catch[c])
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (b *builder) reachability() {
	f := b.flow
	if _, ok := f.byID[f.Start]; !ok {
		return // reported as an unknown start step
	}
	seen := map[string]bool{f.Start: true}
	queue := []string{f.Start}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, n := range f.successors(f.byID[id]) {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range f.Steps {
		if !seen[s.ID] {
			b.c.add(s.Line, s.Col, "step %q can never be reached from the start step %q", s.ID, f.Start)
		}
	}
}

// loops reports cycles made only of steps that cannot pause: such a loop would spin within one
// request. It finds the strongly connected components (Tarjan) of the graph.
func (b *builder) loops() {
	f := b.flow
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	next := 0
	var visit func(id string)
	visit = func(id string) {
		index[id], low[id] = next, next
		next++
		stack = append(stack, id)
		onStack[id] = true
		for _, n := range f.successors(f.byID[id]) {
			if _, seen := index[n]; !seen {
				visit(n)
				low[id] = min(low[id], low[n])
			} else if onStack[n] {
				low[id] = min(low[id], index[n])
			}
		}
		if low[id] != index[id] {
			return
		}
		var comp []string
		for {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[top] = false
			comp = append(comp, top)
			if top == id {
				break
			}
		}
		b.checkLoop(comp)
	}
	for _, s := range f.Steps {
		if _, seen := index[s.ID]; !seen {
			visit(s.ID)
		}
	}
}

func (b *builder) checkLoop(comp []string) {
	f := b.flow
	if len(comp) == 1 {
		s := f.byID[comp[0]]
		if !contains(f.successors(s), s.ID) {
			return
		}
	}
	for _, id := range comp {
		if f.byID[id].Pauses || b.broken[id] {
			return
		}
	}
	// Report at the step that comes first in the file.
	first := f.byID[comp[0]]
	for _, id := range comp {
		if s := f.byID[id]; s.Line < first.Line {
			first = s
		}
	}
	sort.Strings(comp)
	b.c.add(first.Line, first.Col, "steps %s form a loop with no screen or redirect in it, so it could run forever; add a step that pauses, or break the loop",
		strings.Join(quoteAll(comp), ", "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quote(s string) string { return `"` + s + `"` }

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = quote(s)
	}
	return out
}
