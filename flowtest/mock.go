package flowtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/suggest"
)

// mocks parses `mock:`: step ids mapped to one result, or to a list of results for successive runs
// (the last one repeats).
func (p *parser) mocks(n *yaml.Node, where string) map[string][]mockResult {
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, n.Column, "mock must map step ids to the result each step returns")
		return nil
	}
	out := map[string][]mockResult{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := out[k.Value]; dup {
			p.add(k.Line, k.Column, "duplicate key %q in mock", k.Value)
			continue
		}
		var step *flows.Step
		if p.flow != nil {
			if !p.stepRef(k, k.Value, "mock") {
				continue
			}
			step, _, _ = p.step(k.Value)
		}
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
			if len(items) == 0 {
				p.add(v.Line, v.Column, "mock of step %q needs at least one result", k.Value)
				continue
			}
		}
		var results []mockResult
		for _, item := range items {
			var r mockResult
			if p.problems(decode.Into(item, &r, fmt.Sprintf("mock of step %q in %s", k.Value, where))) {
				continue
			}
			if p.checkMock(item, step, &r) {
				results = append(results, r)
			}
		}
		out[k.Value] = results
	}
	return out
}

// checkMock checks a mocked result against the step it replaces.
func (p *parser) checkMock(n *yaml.Node, step *flows.Step, r *mockResult) bool {
	at := func(key string) *yaml.Node {
		if _, v := keyNode(n, key); v != nil {
			return v
		}
		return n
	}
	if r.Error != nil {
		switch {
		case r.Outcome != "" || r.Output != nil:
			p.add(n.Line, n.Column, "a mocked result either completes (outcome, output) or raises an error, not both")
			return false
		case !actions.ValidName(r.Error.Code):
			e := at("error")
			p.add(e.Line, e.Column, "error code %q must be a letter followed by letters, digits or underscores", r.Error.Code)
			return false
		}
		if r.Error.Message == "" {
			r.Error.Message = "mocked error " + r.Error.Code
		}
		return true
	}
	if r.Outcome == "" {
		r.Outcome = actions.Success
	}
	if r.Output != nil {
		r.Output = actions.Normalize(r.Output).(map[string]any)
	}
	if step == nil {
		return true
	}
	if step.Terminal {
		p.add(n.Line, n.Column, "step %q (%s) ends the flow: mock it with an error, or leave it alone", step.ID, step.Kind.Name)
		return false
	}
	if !slices.Contains(step.Outcomes, r.Outcome) {
		o := at("outcome")
		p.add(o.Line, o.Column, "step %q (%s) has no outcome %q; its outcomes are %s%s",
			step.ID, step.Kind.Name, r.Outcome, strings.Join(step.Outcomes, ", "), suggest.Hint(r.Outcome, step.Outcomes))
		return false
	}
	if r.Output != nil {
		out, err := step.Outputs.Coerce(r.Output)
		if err != nil {
			o := at("output")
			p.add(o.Line, o.Column, "output of step %q (%s, %s): %v", step.ID, step.Kind.Name, step.Outputs, err)
			return false
		}
		r.Output, _ = out.(map[string]any)
	}
	return true
}

// mockAction replaces a step's action: each run returns the next result, the last one repeating.
type mockAction struct {
	mu      sync.Mutex
	results []mockResult
	runs    int
}

var _ actions.Action = (*mockAction)(nil)

func (m *mockAction) Run(_ context.Context, _ *actions.Call) (actions.Result, error) {
	m.mu.Lock()
	r := m.results[min(m.runs, len(m.results)-1)]
	m.runs++
	m.mu.Unlock()
	if r.Error != nil {
		return actions.Result{}, &actions.Error{Code: r.Error.Code, Message: r.Error.Message, Retryable: r.Error.Retryable}
	}
	return actions.Done(r.Outcome, r.Output), nil
}
