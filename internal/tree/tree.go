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
	// Lit is the literal scalar in its JSON form: string, float64, bool or nil.
	Lit any
	// Source is the expression's source while it is not compiled yet; Compiled after.
	Source   string
	Compiled *expression.Expr
	// At locates the characters of Source in the flow file (nil: Source starts at Line:Col).
	At expression.Locator
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
// lists as []any). Its expressions are one evaluation: they share one byte budget.
func (n *Node) Eval(env map[string]any) (any, error) {
	var first *expression.Expr
	count := 0
	n.Walk(func(e *Node) {
		if count++; first == nil {
			first = e.Compiled
		}
	})
	if count > 1 && first != nil {
		env = first.WithBudget(env)
	}
	return n.eval(env)
}

func (n *Node) eval(env map[string]any) (any, error) {
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
			v, err := n.Items[i].eval(env)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case List:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			v, err := it.eval(env)
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
	v, _ := n.eval(nil)
	return v
}

// Normalize returns v in its JSON form, deeply: every number a float64, lists []any and objects
// map[string]any. Values from YAML (ints) and from Go callers (typed slices and maps) go through it.
func Normalize(v any) any {
	switch x := normalize(v).(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Normalize(e)
		}
		return out
	default:
		return x
	}
}

// normalize converts one level of v: numbers to float64, []string to []any, map[string]string to
// map[string]any.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case uint64:
		return float64(x)
	case uint:
		return float64(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	}
	return v
}

// Scalar returns v converted one level into its JSON form (a number as float64); lists and maps
// keep their elements as they are.
func Scalar(v any) any { return normalize(v) }
