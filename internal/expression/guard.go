package expression

import (
	"context"
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// guard rewrites an expression so that everything it can grow draws from the evaluation's byte
// budget:
//   - a `+` that may join strings or lists becomes a call of concatFunc or addFunc;
//   - a `matches` with a pattern computed at run time becomes a call of matchesFunc;
//   - the built-ins in after and before are wrapped in sizedFunc;
//   - the body of every predicate (the closures of all, filter, map, reduce, ...) passes through
//     stepFunc, which counts its runs.
//
// It runs once, after a first type check and before expr.WithContext, which then hands the budget
// to every call whose function takes a context. It also notes names a flow wrote that are reserved
// for it, and makes `$env` show the environment without the reserved budget variable.
type guard struct {
	reserved []*ast.IdentifierNode
	// env holds the `$env` nodes the guard wrapped in envFunc (see hideBudget).
	env map[*ast.IdentifierNode]bool
}

func (g *guard) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if isReserved(n.Value) {
			g.reserved = append(g.reserved, n)
		}
		if n.Value == envName {
			hideBudget(node, n, g.env)
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "+":
			if fn := addFor(n.Left.Type(), n.Right.Type()); fn != "" {
				patch(node, call(fn, n.Left, n.Right))
			}
		case "matches":
			if _, constant := n.Right.(*ast.StringNode); !constant {
				patch(node, call(matchesFunc, n.Left, n.Right))
			}
		}
	case *ast.BuiltinNode:
		for _, arg := range n.Arguments {
			if c, ok := arg.(*ast.PredicateNode); ok && !isStepCall(c.Node) {
				c.Node = stepCall(n.Name, c.Node)
			}
		}
		g.sized(node, n.Name, n.Arguments)
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			g.sized(node, id.Value, n.Arguments)
		}
	}
}

// sized wraps a call of a built-in in before or after in sizedFunc.
func (g *guard) sized(node *ast.Node, name string, args []ast.Node) {
	if _, ok := before[name]; ok {
		for i, arg := range args {
			args[i] = sizedCall(name, arg)
		}
	}
	if _, ok := after[name]; ok {
		patch(node, sizedCall(name, *node))
	}
}

func call(fn string, args ...ast.Node) *ast.CallNode {
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args}
}

// sizedCall passes value through sizedFunc. It names the budget itself: sizedFunc's type comes
// from its Validate, which expr.WithContext does not look into.
func sizedCall(name string, value ast.Node) *ast.CallNode {
	c := call(sizedFunc, &ast.IdentifierNode{Value: budgetName}, &ast.StringNode{Value: name}, value)
	c.SetLocation(value.Location())
	return c
}

// stepCall passes the body of a predicate of the built-in name through stepFunc, which counts its
// runs.
func stepCall(name string, body ast.Node) *ast.CallNode {
	c := call(stepFunc, &ast.IdentifierNode{Value: budgetName}, &ast.StringNode{Value: name}, body)
	c.SetLocation(body.Location())
	return c
}

// isStepCall reports whether n is already a stepCall (the guard may visit a node twice).
func isStepCall(n ast.Node) bool {
	c, ok := n.(*ast.CallNode)
	if !ok {
		return false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	return ok && id.Value == stepFunc
}

// patch replaces *node by repl, keeping its place in the source for run-time errors.
func patch(node *ast.Node, repl ast.Node) { ast.Patch(node, repl) }

type operand int

const (
	other operand = iota
	text
	list
	unknown
)

func classify(t reflect.Type) operand {
	if t == nil {
		return unknown
	}
	switch t.Kind() {
	case reflect.String:
		return text
	case reflect.Slice, reflect.Array:
		return list
	case reflect.Interface:
		return unknown
	}
	return other
}

// addFor returns the function a `+` of operands of types l and r becomes, or "" when it cannot
// join strings or lists and stays expr's own `+` (whose type checker then refuses, say, a number
// plus a string).
func addFor(l, r reflect.Type) string {
	a, b := classify(l), classify(r)
	switch {
	case a == text && b == text:
		return concatFunc
	case a == list && b == list:
		return addFunc
	case a == unknown && b != other, b == unknown && a != other:
		return addFunc
	}
	return ""
}

// adders are `+` with a size limit: concatFunc for two strings (so the result stays typed as a
// string), addFunc for everything else.
var adders = []expr.Option{
	expr.Function(concatFunc, func(p ...any) (any, error) {
		return checkedAdd(budgetOf(p[0].(context.Context)), p[1], p[2])
	}, new(func(context.Context, string, string) string)),
	expr.Function(addFunc, func(p ...any) (any, error) {
		return checkedAdd(budgetOf(p[0].(context.Context)), p[1], p[2])
	}, new(func(context.Context, any, any) any)),
}

// checkedAdd is expr's `+`, charging the strings and lists it builds.
func checkedAdd(b *budget, x, y any) (any, error) {
	if s, ok := x.(string); ok {
		if t, ok := y.(string); ok {
			size := len(s) + len(t)
			if err := b.build("+", size, size); err != nil {
				return nil, err
			}
			return s + t, nil
		}
	}
	lx, ly := reflect.ValueOf(x), reflect.ValueOf(y)
	if lx.Kind() == reflect.Slice && ly.Kind() == reflect.Slice {
		n := lx.Len() + ly.Len()
		if err := b.build("+", n, 24+mulSize(n, 16)); err != nil {
			return nil, err
		}
		out := make([]any, 0, n)
		for _, l := range []reflect.Value{lx, ly} {
			for i := range l.Len() {
				out = append(out, l.Index(i).Interface())
			}
		}
		return out, nil
	}
	return add(x, y)
}

// add runs expr's `+` on values that cannot grow (numbers, a time and a duration), turning its
// panic on mismatched operands into an error.
func add(x, y any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return runtime.Add(x, y), nil
}
