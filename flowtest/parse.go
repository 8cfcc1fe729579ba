package flowtest

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/suggest"
)

var (
	fileKeys        = []string{"flow", "scenarios"}
	scenarioKeys    = []string{"name", "input", "user", "tenant", "mock", "interactions", "expect"}
	interactionKeys = []string{"expect", "press", "with", "advance", "signal"}
)

// flowFinder returns the flow a scenario file names (id "" means the flow file with the same base
// name), or an error that says how to name it.
type flowFinder func(id string) (*flows.Flow, error)

// parser reads one scenario file.
type parser struct {
	file  string
	diags flows.Diagnostics
	flow  *flows.Flow
	find  flowFinder
}

func (p *parser) add(line, col int, format string, args ...any) {
	p.diags = append(p.diags, flows.Diagnostic{File: p.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) problems(res decode.Result) bool {
	for _, pr := range res.Problems {
		p.add(pr.Line, pr.Col, "%s", pr.Msg)
	}
	return len(res.Problems) > 0
}

// parseFile parses a scenario file strictly and checks it against its flow. It returns every problem
// as a diagnostic with its line and column.
func parseFile(file string, src []byte, find flowFinder) ([]*scenario, flows.Diagnostics) {
	p := &parser{file: file, find: find}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		p.add(1, 1, "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, p.diags
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, root.Column, "a scenario file is a mapping with flow and scenarios")
		return nil, p.diags
	}
	nodes := p.mapping(root, fileKeys, "scenario file")
	flowID := ""
	flowLine, flowCol := 1, 1
	if n := nodes["flow"]; n != nil {
		flowLine, flowCol = n.Line, n.Column
		if n.Kind != yaml.ScalarNode || n.Value == "" {
			p.add(n.Line, n.Column, "flow must be the id of a flow")
		} else {
			flowID = n.Value
		}
	}
	f, err := find(flowID)
	if err != nil {
		p.add(flowLine, flowCol, "%v", err)
	} else if f != nil {
		p.flow = f
		flowID = f.ID
	}
	list := nodes["scenarios"]
	if list == nil {
		p.add(root.Line, root.Column, "missing required key \"scenarios\" in scenario file")
		return nil, p.diags
	}
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		p.add(list.Line, list.Column, "scenarios must be a list with at least one scenario")
		return nil, p.diags
	}
	var out []*scenario
	names := map[string]int{}
	for _, item := range list.Content {
		sc := p.scenario(item)
		if sc == nil {
			continue
		}
		if prev, dup := names[sc.name]; dup {
			p.add(item.Line, item.Column, "duplicate scenario name %q (also on line %d)", sc.name, prev)
		}
		names[sc.name] = sc.line
		sc.flowID, sc.flow = flowID, p.flow
		out = append(out, sc)
	}
	return out, p.diags
}

// mapping returns the values of a mapping node by key, reporting unknown and duplicate keys.
func (p *parser) mapping(n *yaml.Node, known []string, where string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case out[k.Value] != nil:
			p.add(k.Line, k.Column, "duplicate key %q in %s", k.Value, where)
		case !slices.Contains(known, k.Value):
			p.add(k.Line, k.Column, "unknown key %q in %s%s", k.Value, where, suggest.Hint(k.Value, known))
		default:
			out[k.Value] = v
		}
	}
	return out
}

func (p *parser) scenario(n *yaml.Node) *scenario {
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, n.Column, "each scenario must be a mapping with name, input, mock, interactions and expect")
		return nil
	}
	nodes := p.mapping(n, scenarioKeys, "scenario")
	sc := &scenario{file: p.file, line: n.Line}
	nameNode := nodes["name"]
	if nameNode == nil || nameNode.Kind != yaml.ScalarNode || strings.TrimSpace(nameNode.Value) == "" {
		p.add(n.Line, n.Column, "a scenario needs a name")
		sc.name = fmt.Sprintf("line %d", n.Line)
	} else {
		sc.name = nameNode.Value
	}
	where := fmt.Sprintf("scenario %q", sc.name)
	if v := nodes["input"]; v != nil {
		if !p.problems(decode.Into(v, &sc.input, where)) {
			sc.input = actions.Normalize(sc.input).(map[string]any)
			p.checkInput(v, sc.input)
		}
	}
	p.problems(decode.Into(orNull(nodes["user"]), &sc.subject.UserID, where+" user"))
	p.problems(decode.Into(orNull(nodes["tenant"]), &sc.subject.TenantID, where+" tenant"))
	if v := nodes["mock"]; v != nil {
		sc.mocks = p.mocks(v, where)
	}
	if v := nodes["interactions"]; v != nil {
		if v.Kind != yaml.SequenceNode {
			p.add(v.Line, v.Column, "interactions must be a list")
		} else {
			for i, item := range v.Content {
				if it, ok := p.interaction(item, fmt.Sprintf("interaction %d of %s", i+1, where)); ok {
					sc.interactions = append(sc.interactions, it)
				}
			}
		}
	}
	if v := nodes["expect"]; v != nil {
		sc.expect = p.expectation(v, where+" expect")
	}
	return sc
}

func orNull(n *yaml.Node) *yaml.Node {
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

// checkInput checks a start input against the flow's declared inputs.
func (p *parser) checkInput(n *yaml.Node, in map[string]any) {
	if p.flow == nil {
		return
	}
	_, problems := p.flow.ApplyInputs(in)
	names := make([]string, 0, len(problems))
	for k := range problems {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		line, col := n.Line, n.Column
		if kn, _ := keyNode(n, k); kn != nil {
			line, col = kn.Line, kn.Column
		}
		hint := ""
		if problems[k] == "is not an input of this flow" {
			names := make([]string, len(p.flow.Inputs))
			for i, in := range p.flow.Inputs {
				names[i] = in.Name
			}
			hint = suggest.Hint(k, names)
		}
		p.add(line, col, "input %q %s%s", k, problems[k], hint)
	}
}

func keyNode(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func (p *parser) interaction(n *yaml.Node, where string) (interaction, bool) {
	var doc interactionDoc
	if p.problems(decode.Into(n, &doc, where)) {
		return interaction{}, false
	}
	_, pressNode := keyNode(n, "press")
	_, advNode := keyNode(n, "advance")
	_, withNode := keyNode(n, "with")
	_, sigNode := keyNode(n, "signal")
	it := interaction{line: n.Line, press: doc.Press, advance: doc.Advance}
	if sigNode != nil {
		it.signal = map[string]any{}
		if doc.Signal != nil {
			it.signal = actions.Normalize(doc.Signal).(map[string]any)
		}
	}
	if doc.With != nil {
		it.with = actions.Normalize(doc.With).(map[string]any)
	}
	switch {
	case pressNode != nil && advNode != nil:
		p.add(advNode.Line, advNode.Column, "an interaction either presses a button or advances the clock; split it in two")
	case sigNode != nil && (pressNode != nil || advNode != nil):
		p.add(sigNode.Line, sigNode.Column, "an interaction either signals a wait, presses a button or advances the clock; split it")
	case pressNode != nil && doc.Press == "":
		p.add(pressNode.Line, pressNode.Column, "press needs the id of a button (or callback after a redirect)")
	case advNode != nil && doc.Advance <= 0:
		p.add(advNode.Line, advNode.Column, "advance must be a positive duration such as 31m")
	case withNode != nil && pressNode == nil:
		p.add(withNode.Line, withNode.Column, "with holds the values submitted with a press; add press")
	case pressNode == nil && advNode == nil && sigNode == nil && doc.Expect == nil:
		p.add(n.Line, n.Column, "an interaction needs press, signal, advance or expect")
	}
	if doc.Expect != nil {
		_, en := keyNode(n, "expect")
		it.expect = doc.Expect
		p.checkExpectation(it.expect, en)
	}
	return it, true
}

func (p *parser) expectation(n *yaml.Node, where string) *expectation {
	var e expectation
	if p.problems(decode.Into(n, &e, where)) {
		return nil
	}
	p.checkExpectation(&e, n)
	return &e
}

// checkExpectation checks the names an expectation uses against the flow.
func (p *parser) checkExpectation(e *expectation, n *yaml.Node) {
	e.line = n.Line
	if e.Output != nil {
		e.Output = actions.Normalize(e.Output).(map[string]any)
	}
	if _, v := keyNode(n, "status"); v != nil && !slices.Contains(statuses, e.Status) {
		p.add(v.Line, v.Column, "status %q is not one of %s%s", e.Status, strings.Join(statuses, ", "), suggest.Hint(e.Status, statuses))
	}
	if p.flow == nil {
		return
	}
	if _, v := keyNode(n, "step"); v != nil {
		p.stepRef(v, e.Step, "expect.step")
	}
	if _, v := keyNode(n, "path"); v != nil && v.Kind == yaml.SequenceNode {
		for i, item := range v.Content {
			p.stepRef(item, e.Path[i], "path")
		}
	}
}

// stepRef reports a reference to a step the flow does not have. A step of a sub-flow is named by
// its path: the step running the sub-flow, a slash, the sub-flow's step ("connect/choose").
func (p *parser) stepRef(n *yaml.Node, id, what string) bool {
	s, f, last := p.step(id)
	switch {
	case s != nil:
		return true
	case f == nil || f == p.flow && !strings.Contains(id, "/"):
		p.add(n.Line, n.Column, "%s: flow %q has no step %q%s", what, p.flow.ID, id, suggest.Hint(id, stepIDs(p.flow)))
	default:
		p.add(n.Line, n.Column, "%s: flow %q (run by step %q) has no step %q%s", what, f.ID, strings.TrimSuffix(id, "/"+last), last, suggest.Hint(last, stepIDs(f)))
	}
	return false
}

// step resolves a step path: the step (nil when missing), the flow that should hold it (nil when
// a step on the way is missing or runs no flow) and the path's last id.
func (p *parser) step(path string) (*flows.Step, *flows.Flow, string) {
	f := p.flow
	parts := strings.Split(path, "/")
	for i, part := range parts[:len(parts)-1] {
		s, ok := f.Step(part)
		if !ok {
			return nil, nil, parts[i]
		}
		called := calledFlow(s)
		if called == "" || p.find == nil {
			return nil, nil, part
		}
		sub, err := p.find(called)
		if err != nil || sub == nil {
			return nil, nil, part
		}
		f = sub
	}
	last := parts[len(parts)-1]
	s, _ := f.Step(last)
	return s, f, last
}

// calledFlow is the id of the flow a step runs, or "".
func calledFlow(s *flows.Step) string {
	if fc, ok := s.Config.(actions.FlowCaller); ok {
		return fc.CalledFlow()
	}
	return ""
}

func stepIDs(f *flows.Flow) []string {
	ids := make([]string, len(f.Steps))
	for i, s := range f.Steps {
		ids[i] = s.ID
	}
	return ids
}
