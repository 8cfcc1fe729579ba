package decode

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/tree"
)

const (
	open  = "${{"
	close = "}}"
)

// IsExpression reports whether a scalar node is a whole-value expression `${{ ... }}`.
func IsExpression(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return false
	}
	s := strings.TrimSpace(n.Value)
	return strings.HasPrefix(s, open) && strings.HasSuffix(s, close)
}

func hasExpression(n *yaml.Node) bool {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		return IsExpression(n)
	}
	for _, c := range n.Content {
		if hasExpression(c) {
			return true
		}
	}
	return false
}

// tree converts a node into a value tree, reporting text that mixes an expression with other text.
func (d *decoder) tree(n *yaml.Node) *tree.Node {
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		if IsExpression(n) {
			src, at := Expression(d.file, n)
			line, col := at(0)
			return &tree.Node{Kind: tree.Expr, Source: src, At: at, Line: line, Col: col}
		}
		if n.Tag == "!!str" && strings.Contains(n.Value, open) {
			d.fail(n, "an expression must be the whole value: write ${{ ... }} alone, and build text inside it, e.g. ${{ \"Hello \" + input.name }}")
			// Contained: decoding goes on with the text as written, so the problems of the
			// other values are reported with this one.
			d.res.Problems[len(d.res.Problems)-1].Contained = true
			return &tree.Node{Kind: tree.Literal, Lit: n.Value, Line: n.Line, Col: n.Column}
		}
		var lit any
		if err := n.Decode(&lit); err != nil {
			d.fail(n, "%v", err)
			return nil
		}
		// Values are kept in their JSON form: every number is a float64.
		return &tree.Node{Kind: tree.Literal, Lit: tree.Scalar(lit), Line: n.Line, Col: n.Column}
	case yaml.SequenceNode:
		out := &tree.Node{Kind: tree.List, Line: n.Line, Col: n.Column}
		for _, c := range n.Content {
			t := d.tree(c)
			if t == nil {
				return nil
			}
			out.Items = append(out.Items, t)
		}
		return out
	case yaml.MappingNode:
		out := &tree.Node{Kind: tree.Map, Line: n.Line, Col: n.Column}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if seen[k.Value] {
				d.fail(k, "duplicate key %q", k.Value)
				return nil
			}
			seen[k.Value] = true
			t := d.tree(n.Content[i+1])
			if t == nil {
				return nil
			}
			out.Keys = append(out.Keys, k.Value)
			out.Items = append(out.Items, t)
		}
		return out
	}
	d.fail(n, "unsupported value")
	return nil
}
