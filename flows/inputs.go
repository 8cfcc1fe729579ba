package flows

import (
	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/decode"
)

type inputDoc struct {
	Type        string `yaml:"type" required:"true" doc:"string, number, bool, list or object"`
	Required    bool   `yaml:"required"`
	Default     any    `yaml:"default"`
	Description string `yaml:"description"`
}

var inputTypes = map[string]actions.Type{
	"string": actions.String(),
	"number": actions.Number(),
	"bool":   actions.Bool(),
	"list":   actions.List(actions.Any()),
	"object": actions.Map(actions.Any()),
}

func (b *builder) inputs(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		b.c.add(n.Line, n.Column, "inputs must be a mapping of input names to their type, required and default")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if seen[name] {
			b.c.add(k.Line, k.Column, "duplicate input %q", name)
			continue
		}
		seen[name] = true
		if !actions.ValidName(name) {
			b.c.add(k.Line, k.Column, "input name %q must be a letter followed by letters, digits or underscores", name)
			continue
		}
		var doc inputDoc
		if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
			// Short form: `name: string`.
			doc.Type = v.Value
		} else if res := decode.IntoFile(b.flow.Source, v, &doc, "input "+name); b.problems(res) {
			// The input is still declared, so the expressions that read it are not reported too.
			b.flow.Inputs = append(b.flow.Inputs, Input{Name: name, Type: actions.Any()})
			continue
		}
		t, ok := inputTypes[doc.Type]
		if !ok {
			b.c.add(v.Line, v.Column, "input %q has unknown type %q; use string, number, bool, list or object", name, doc.Type)
			t = actions.Any()
		}
		in := Input{Name: name, Type: t, Required: doc.Required, Description: doc.Description}
		if ok && doc.Default != nil {
			def, err := t.Coerce(doc.Default)
			switch {
			case err != nil:
				b.c.add(v.Line, v.Column, "default of input %q: %v", name, err)
			case doc.Required:
				b.c.add(v.Line, v.Column, "input %q is required and has a default; keep one of the two", name)
			default:
				in.Default = def
			}
		}
		b.flow.Inputs = append(b.flow.Inputs, in)
	}
}

// problems reports a decode result's problems and says whether there were any.
func (b *builder) problems(res decode.Result) bool {
	for _, p := range res.Problems {
		b.c.add(p.Line, p.Col, "%s", p.Msg)
	}
	return len(res.Problems) > 0
}

type outputDoc struct {
	Type        string `yaml:"type" required:"true" doc:"string, number, bool, list or object"`
	Description string `yaml:"description"`
}

// outputs parses `outputs:`: names mapped to a type, or to {type, description}.
func (b *builder) outputs(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		b.c.add(n.Line, n.Column, "outputs must be a mapping of output names to their type")
		return
	}
	b.flow.Outputs = []Output{}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if seen[name] {
			b.c.add(k.Line, k.Column, "duplicate output %q", name)
			continue
		}
		seen[name] = true
		if !actions.ValidName(name) {
			b.c.add(k.Line, k.Column, "output name %q must be a letter followed by letters, digits or underscores", name)
			continue
		}
		var doc outputDoc
		if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
			doc.Type = v.Value
		} else if b.problems(decode.IntoFile(b.flow.Source, v, &doc, "output "+name)) {
			continue
		}
		t, ok := inputTypes[doc.Type]
		if !ok {
			b.c.add(v.Line, v.Column, "output %q has unknown type %q; use string, number, bool, list or object", name, doc.Type)
			continue
		}
		b.flow.Outputs = append(b.flow.Outputs, Output{Name: name, Type: t, Description: doc.Description})
	}
}
