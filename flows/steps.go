package flows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/suggest"
)

// stepKeys are the keys a step may have.
var stepKeys = []string{"action", "with", "screen", "end", "description", "on", "next", "catch", "timeout", "retry"}

// rawStep keeps the nodes of a step for the later phases.
type rawStep struct {
	step      *Step
	key       *yaml.Node
	nodes     map[string]*yaml.Node
	paths     map[string][2]int // config field path → position
	withNode  *yaml.Node
	nextNodes []*yaml.Node // the `goto` (or scalar) node of each Next branch
	whenNodes []*yaml.Node
	onNodes   map[string]*yaml.Node
	catchNode map[string]*yaml.Node
	// broken marks a step whose kind or config failed to load: later checks skip what depend on it.
	broken bool
	// outcomesKnown is true when the step's kind is known and so are its outcomes: they do not
	// depend on its config, or its config decoded (its Validate may still have failed). The
	// checks of on, catch and the ways out run on a broken step too when it is set, so one load
	// reports every problem of the step.
	outcomesKnown bool
}

type retryDoc struct {
	Attempts int           `yaml:"attempts" required:"true" doc:"runs in all, the first included"`
	Backoff  time.Duration `yaml:"backoff" doc:"delay before the second attempt; doubles each time (default 1s)"`
	MaxDelay time.Duration `yaml:"maxDelay" doc:"longest delay between attempts (default 30s)"`
	Jitter   float64       `yaml:"jitter" doc:"random spread of each delay, 0 to 1 (default 0.2)"`
}

func (b *builder) parseSteps(n *yaml.Node) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		b.c.add(n.Line, n.Column, "steps must be a mapping of step ids to steps, with at least one step")
		return
	}
	if len(n.Content)/2 > b.lim.MaxSteps {
		b.c.add(n.Line, n.Column, "a flow may have at most %d steps", b.lim.MaxSteps)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		id := k.Value
		if _, dup := b.flow.byID[id]; dup {
			b.c.add(k.Line, k.Column, "duplicate step id %q", id)
			continue
		}
		if !actions.ValidName(id) {
			b.c.add(k.Line, k.Column, "step id %q must be a letter followed by letters, digits or underscores (expressions read it as steps.%s)", id, id)
		}
		rs := b.parseStep(id, k, v)
		if rs.broken {
			b.broken[id] = true
		}
		b.flow.byID[id] = rs.step
		b.flow.Steps = append(b.flow.Steps, rs.step)
		b.steps = append(b.steps, rs)
	}
	if b.flow.Start == "" && len(b.flow.Steps) > 0 {
		b.flow.Start = b.flow.Steps[0].ID
	}
}

func (b *builder) parseStep(id string, k, v *yaml.Node) *rawStep {
	s := &Step{ID: id, Line: k.Line, Col: k.Column}
	rs := &rawStep{step: s, key: k, nodes: map[string]*yaml.Node{}, onNodes: map[string]*yaml.Node{}, catchNode: map[string]*yaml.Node{}}
	s.Outputs = actions.Any()
	if v.Kind != yaml.MappingNode {
		b.c.add(v.Line, v.Column, "step %q must be a mapping with action (or screen or end) and its transitions", id)
		rs.broken = true
		b.edgesUnknown = true
		return rs
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		key, val := v.Content[i], v.Content[i+1]
		if _, dup := rs.nodes[key.Value]; dup {
			b.c.add(key.Line, key.Column, "duplicate key %q in step %q", key.Value, id)
			continue
		}
		rs.nodes[key.Value] = val
		found := false
		for _, sk := range stepKeys {
			found = found || sk == key.Value
		}
		if !found {
			b.c.add(key.Line, key.Column, "unknown key %q in step %q%s", key.Value, id, suggest.Hint(key.Value, stepKeys))
		}
	}
	if d := rs.nodes["description"]; d != nil {
		s.Description = b.scalar(d, "description")
	}
	b.transitions(rs)
	kindName, withNode := b.stepKind(rs)
	if kindName == "" {
		rs.broken = true
		return rs
	}
	kind, ok := b.loader.Registry.Lookup(kindName)
	if !ok {
		n := rs.nodes["action"]
		b.c.add(n.Line, n.Column, "unknown action %q in step %q%s", kindName, id, suggest.Hint(kindName, b.loader.Registry.Names()))
		rs.broken = true
		return rs
	}
	s.Kind = kind
	s.Pauses = kind.Pauses
	s.Terminal = kind.Terminal
	s.Outcomes = kind.OutcomesOf(nil)
	rs.outcomesKnown = !declaresOutcomes(kind) && !callsFlow(kind)
	rs.withNode = withNode
	b.config(rs, withNode)
	return rs
}

// stepKind finds the action kind of a step and the node its config decodes from.
func (b *builder) stepKind(rs *rawStep) (string, *yaml.Node) {
	id := rs.step.ID
	var forms []string
	for _, key := range []string{"action", "screen", "end"} {
		if rs.nodes[key] != nil {
			forms = append(forms, key)
		}
	}
	switch len(forms) {
	case 0:
		b.c.add(rs.key.Line, rs.key.Column, "step %q needs one of action, screen or end", id)
		return "", nil
	case 1:
	default:
		n := rs.nodes[forms[1]]
		b.c.add(n.Line, n.Column, "step %q has both %s and %s; a step does one thing", id, forms[0], forms[1])
		return "", nil
	}
	if forms[0] != "action" {
		if w := rs.nodes["with"]; w != nil {
			b.c.add(w.Line, w.Column, "step %q: with is for action steps; put the settings under %s", id, forms[0])
		}
		return forms[0], rs.nodes[forms[0]]
	}
	name := b.scalar(rs.nodes["action"], "action")
	return name, rs.nodes["with"]
}

// config decodes and validates a step's `with:` into its kind's typed config, then builds its action.
func (b *builder) config(rs *rawStep, with *yaml.Node) {
	s := rs.step
	where := fmt.Sprintf("%s (step %q)", s.Kind.Name, s.ID)
	if s.Kind.NewConfig == nil {
		if with != nil && !(with.Kind == yaml.ScalarNode && with.Tag == "!!null") {
			b.c.add(with.Line, with.Column, "action %s takes no settings; remove with", s.Kind.Name)
		}
	} else {
		s.Config = s.Kind.NewConfig()
		if with == nil {
			with = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: rs.key.Line, Column: rs.key.Column}
		}
		res := decode.IntoFile(b.flow.Source, with, s.Config, where)
		rs.paths = res.Paths
		if b.problems(res) {
			rs.broken = true
			if !res.Contained() {
				return
			}
		}
		for _, ref := range res.Values {
			b.values = append(b.values, valueSite{ref: ref, step: s, where: where})
		}
		b.learnOutcomes(rs)
		if v, ok := s.Config.(actions.Validator); ok {
			if err := v.Validate(); err != nil {
				b.validation(rs, with, where, err)
				rs.broken = true
			}
		}
		if rs.broken {
			return
		}
	}
	act, err := s.Kind.Build(s.Config)
	if err != nil {
		b.c.add(rs.key.Line, rs.key.Column, "step %q: %v", s.ID, err)
		rs.broken = true
		return
	}
	s.Action = act
	s.Outputs = s.Kind.OutputsOf(s.Config)
	s.Outcomes = s.Kind.OutcomesOf(s.Config)
	b.call(rs)
}

// validation reports a config's Validate errors at the fields they name.
func (b *builder) validation(rs *rawStep, with *yaml.Node, where string, err error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var fe *actions.FieldError
		if errors.As(e, &fe) {
			pos, ok := closestPath(rs.paths, fe.Field)
			if !ok {
				pos = [2]int{with.Line, with.Column}
			}
			b.c.add(pos[0], pos[1], "%s in %s: %s", fe.Field, where, fe.Message)
			continue
		}
		b.c.add(with.Line, with.Column, "%s: %v", where, e)
	}
}

// closestPath returns the position of field, or of the nearest enclosing path that has one
// ("fields[5]" for a missing "fields[5].options").
func closestPath(paths map[string][2]int, field string) ([2]int, bool) {
	for field != "" {
		if pos, ok := paths[field]; ok {
			return pos, true
		}
		field = field[:max(strings.LastIndexByte(field, '.'), strings.LastIndexByte(field, '['), 0)]
	}
	return [2]int{}, false
}

// transitions parses on, next, catch, timeout and retry.
func (b *builder) transitions(rs *rawStep) {
	s := rs.step
	if n := rs.nodes["on"]; n != nil {
		s.On = b.stepMap(n, "on", s.ID, rs.onNodes)
	}
	if n := rs.nodes["catch"]; n != nil {
		s.Catch = b.stepMap(n, "catch", s.ID, rs.catchNode)
	}
	if n := rs.nodes["next"]; n != nil {
		b.next(rs, n)
	}
	if n := rs.nodes["timeout"]; n != nil {
		d, err := time.ParseDuration(b.scalar(n, "timeout"))
		if err != nil || d <= 0 {
			b.c.add(n.Line, n.Column, "timeout must be a positive duration such as 10s")
		}
		s.Timeout = d
	}
	if n := rs.nodes["retry"]; n != nil {
		var r retryDoc
		if b.problems(decode.IntoFile(b.flow.Source, n, &r, fmt.Sprintf("retry of step %q", s.ID))) {
			return
		}
		switch {
		case r.Attempts < 1 || r.Attempts > 10:
			b.c.add(n.Line, n.Column, "retry attempts must be between 1 and 10")
		case r.Jitter < 0 || r.Jitter > 1:
			b.c.add(n.Line, n.Column, "retry jitter must be between 0 and 1")
		case r.Backoff < 0 || r.MaxDelay < 0:
			b.c.add(n.Line, n.Column, "retry delays must be positive")
		}
		if r.Backoff == 0 {
			r.Backoff = time.Second
		}
		if r.MaxDelay == 0 {
			r.MaxDelay = 30 * time.Second
		}
		if _, set := findKey(n, "jitter"); !set {
			r.Jitter = 0.2
		}
		s.Retry = Retry{Attempts: r.Attempts, Backoff: r.Backoff, MaxDelay: r.MaxDelay, Jitter: r.Jitter}
	}
}

func findKey(n *yaml.Node, key string) (*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1], true
		}
	}
	return nil, false
}

// stepMap parses `on:` or `catch:`: a mapping of names to step ids.
func (b *builder) stepMap(n *yaml.Node, what, id string, nodes map[string]*yaml.Node) map[string]string {
	if n.Kind != yaml.MappingNode {
		b.c.add(n.Line, n.Column, "%s of step %q must map names to step ids", what, id)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := out[k.Value]; dup {
			b.c.add(k.Line, k.Column, "duplicate key %q in %s of step %q", k.Value, what, id)
			continue
		}
		out[k.Value] = b.scalar(v, what+" target")
		nodes[k.Value] = v
	}
	return out
}

var branchKeys = []string{"when", "goto"}

// next parses `next:`: a step id, or a list of {when, goto} with an optional last {goto} default.
func (b *builder) next(rs *rawStep, n *yaml.Node) {
	s := rs.step
	if n.Kind == yaml.ScalarNode {
		s.Next = []Branch{{Goto: b.scalar(n, "next"), Line: n.Line, Col: n.Column}}
		rs.nextNodes = append(rs.nextNodes, n)
		rs.whenNodes = append(rs.whenNodes, nil)
		return
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		b.c.add(n.Line, n.Column, "next of step %q must be a step id or a list of {when, goto} branches", s.ID)
		return
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			b.c.add(item.Line, item.Column, "each branch of next must be a mapping with when and goto")
			continue
		}
		var when, target *yaml.Node
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch k.Value {
			case "when":
				when = v
			case "goto":
				target = v
			default:
				b.c.add(k.Line, k.Column, "unknown key %q in a branch of step %q%s", k.Value, s.ID, suggest.Hint(k.Value, branchKeys))
			}
		}
		if target == nil {
			b.c.add(item.Line, item.Column, "a branch of step %q has no goto", s.ID)
			continue
		}
		if when != nil && decode.IsExpression(when) {
			b.c.add(when.Line, when.Column, "conditions are bare expressions: write `when: %s` without ${{ }}", strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(when.Value), "${{"), "}}")))
			continue
		}
		s.Next = append(s.Next, Branch{Goto: b.scalar(target, "goto"), Line: target.Line, Col: target.Column})
		rs.nextNodes = append(rs.nextNodes, target)
		rs.whenNodes = append(rs.whenNodes, when)
	}
}
