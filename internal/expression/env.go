package expression

import (
	"fmt"
	"maps"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
)

// envFunc is what the guard makes of every `$env`: envFunc($env) is the environment without the
// reserved budget variable, so toJSON($env), keys($env) or $env["__eval"] never show it.
const envFunc = "__env"

// envView registers envFunc. Its Validate keeps the static type of $env, so the type checker sees
// the same names through it.
func envView(c *conf.Config) {
	c.Functions[envFunc] = &builtin.Function{
		Name: envFunc,
		Func: func(p ...any) (any, error) {
			env, ok := p[0].(map[string]any)
			if !ok {
				return p[0], nil
			}
			if _, reserved := env[budgetName]; !reserved {
				return env, nil
			}
			out := maps.Clone(env)
			delete(out, budgetName)
			return out, nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("%s takes 1 argument", envFunc)
			}
			return args[0], nil
		},
	}
}

// hideBudget replaces the `$env` at node by envFunc($env). own holds the `$env` nodes the guard
// made itself, which it must not wrap again.
func hideBudget(node *ast.Node, n *ast.IdentifierNode, own map[*ast.IdentifierNode]bool) {
	if own[n] {
		return
	}
	inner := &ast.IdentifierNode{Value: envName}
	inner.SetLocation(n.Location())
	own[inner] = true
	c := call(envFunc, inner)
	c.SetLocation(n.Location())
	patch(node, c)
}
