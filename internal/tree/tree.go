// Package tree holds the value trees of flow configuration: YAML values in which any scalar may be an
// expression, evaluated when a step runs.
package tree

import (
	"fmt"

	"github.com/outflowhq/outflow/internal/expression"
)

// Kind is the kind of a node.
type Kind int

// Node kinds.
const (
	Literal Kind = iota
	Expr
	Map
	List
)

// Node is one value: a literal scalar, an expression, a map or a list.
type Node struct {
	Kind Kind
	// Lit is the literal scalar: string, int, float64, bool or nil.
	Lit any
	// Source is the expression's source while it is not compiled yet; Compiled after.
	Source   string
	Compiled *expression.Expr
	// Keys and Items hold a map (Keys[i] → Items[i]) or a list (Items).
	Keys  []string
	Items []*Node
	// Line and Col locate the node (for an expression: its first character) in the flow file.
	Line, Col int
}

// HasExpr reports whether the tree contains an expression.
func (n *Node) HasExpr() bool {
	if n == nil {
		return false
	}
	if n.Kind == Expr {
		return true
	}
	for _, it := range n.Items {
		if it.HasExpr() {
			return true
		}
	}
	return false
}

// Walk calls fn for every expression node in the tree.
func (n *Node) Walk(fn func(*Node)) {
	if n == nil {
		return
	}
	if n.Kind == Expr {
		fn(n)
	}
	for _, it := range n.Items {
		it.Walk(fn)
	}
}

// Eval evaluates the tree against env and returns its value in JSON form (maps as map[string]any,
// lists as []any).
func (n *Node) Eval(env map[string]any) (any, error) {
	switch n.Kind {
	case Literal:
		return n.Lit, nil
	case Expr:
		if n.Compiled == nil {
			return nil, fmt.Errorf("%d:%d: expression %q was never compiled", n.Line, n.Col, n.Source)
		}
		return n.Compiled.Eval(env)
	case Map:
		out := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			v, err := n.Items[i].Eval(env)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case List:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			v, err := it.Eval(env)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown node kind %d", n.Kind)
}

// Plain returns the value of a tree without expressions.
func (n *Node) Plain() any {
	v, _ := n.Eval(nil)
	return v
}
