package expression

import (
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// Reads returns the variables and member paths the expression reads, such as
// "steps.check.output.connected" or "interaction", in order of first appearance.
func (e *Expr) Reads() []string { return e.reads }

// Uses says how the expression reads the variable name: the fields it reads by name (form.email
// gives "email"), and whether it also uses the variable as a whole or indexes it with a computed
// key (len(form), form[input.key], $env), which may read any field.
func (e *Expr) Uses(name string) (fields []string, whole bool) {
	a := e.names[name]
	_, env := e.names[envName]
	return a.fields, a.whole || env
}

// envName is expr's variable for the whole environment.
const envName = "$env"

type access struct {
	fields []string
	whole  bool
}

type pathAt struct {
	path string
	node ast.Node
}

// analyse walks a compiled expression: whether it draws from the byte budget, the paths it reads
// (rooted in env) and how it uses each variable.
func analyse(root ast.Node, env Env) (charged bool, reads []string, names map[string]access) {
	var paths []pathAt
	callees := map[ast.Node]bool{}
	var idents []*ast.IdentifierNode
	covered := map[ast.Node]string{} // a variable read by field: the field
	ast.Walk(&root, visitor(func(n ast.Node) {
		switch x := n.(type) {
		case *ast.IdentifierNode:
			charged = charged || x.Value == budgetName
			idents = append(idents, x)
		case *ast.CallNode:
			callees[x.Callee] = true
		case *ast.MemberNode:
			if prop, ok := x.Property.(*ast.StringNode); ok {
				covered[x.Node] = prop.Value
			}
		}
		if p, ok := memberPath(n); ok {
			paths = append(paths, pathAt{p, n})
		}
	}))
	names = map[string]access{}
	for _, id := range idents {
		if callees[id] || isReserved(id.Value) {
			continue
		}
		a := names[id.Value]
		if f, ok := covered[id]; ok {
			if !slices.Contains(a.fields, f) {
				a.fields = append(a.fields, f)
			}
		} else {
			a.whole = true
		}
		names[id.Value] = a
	}
	return charged, longest(paths, callees, env), names
}

// longest keeps the paths rooted in env that no other path extends, in order of first appearance.
func longest(paths []pathAt, callees map[ast.Node]bool, env Env) []string {
	seen := map[string]bool{}
	var all []string
	for _, p := range paths {
		root, _, _ := strings.Cut(p.path, ".")
		if _, ok := env[root]; !ok || callees[p.node] || isReserved(root) || seen[p.path] {
			continue
		}
		seen[p.path] = true
		all = append(all, p.path)
	}
	var out []string
	for _, p := range all {
		covered := false
		for _, q := range all {
			if q != p && strings.HasPrefix(q, p+".") {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, p)
		}
	}
	return out
}

type visitor func(ast.Node)

func (v visitor) Visit(n *ast.Node) { v(*n) }

func memberPath(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return x.Value, true
	case *ast.MemberNode:
		prop, ok := x.Property.(*ast.StringNode)
		if !ok {
			return "", false
		}
		base, ok := memberPath(x.Node)
		if !ok {
			return "", false
		}
		return base + "." + prop.Value, true
	case *ast.ChainNode:
		return memberPath(x.Node)
	}
	return "", false
}
