// Package expression compiles and runs the expr-lang expressions of flows: once at load against a
// typed environment, many times at run time under a budget of syntax nodes, list elements and
// bytes.
package expression

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Limits bound what one expression may cost.
type Limits struct {
	// MaxNodes caps the size of an expression's syntax tree at compile time.
	MaxNodes uint
	// MemoryBudget caps the list and map elements one evaluation creates (expr's memory budget,
	// which counts elements, not bytes).
	MemoryBudget uint
	// ByteBudget caps the bytes one evaluation allocates for the strings and lists it builds
	// (`+`, repeat, replace, join, toJSON, string, split, ...). Each single value is also capped at
	// MaxValueSize.
	ByteBudget uint
}

// DefaultLimits are generous for hand-written flow expressions and tight enough that a hostile flow
// cannot exhaust the process.
var DefaultLimits = Limits{MaxNodes: 1000, MemoryBudget: 50_000, ByteBudget: 1 << 20}

func (l Limits) orDefault() Limits {
	if l.MaxNodes == 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	if l.MemoryBudget == 0 {
		l.MemoryBudget = DefaultLimits.MemoryBudget
	}
	if l.ByteBudget == 0 {
		l.ByteBudget = DefaultLimits.ByteBudget
	}
	return l
}

// Env is the typed environment expressions compile against.
type Env = types.Map

// Want says what type an expression must produce.
type Want struct {
	// Bool requires a boolean (conditions).
	Bool bool
	// Type, when not nil, is the Go type of the config field the value lands in.
	Type reflect.Type
}

// Expr is a compiled expression with its place in the flow file.
type Expr struct {
	Source string
	// Line and Col locate the expression's first character.
	Line, Col int
	at        Locator
	prog      *vm.Program
	lim       Limits
	// charged is true when the expression calls a function that draws from the byte budget.
	charged bool
	reads   []string
	names   map[string]access
}

// Compile compiles src against env. at locates src in the flow file (nil: src starts at 1:1).
func Compile(src string, at Locator, env Env, want Want, lim Limits) (*Expr, error) {
	if at == nil {
		at = At(src, 1, 1)
	}
	line, col := at(0)
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Line: line, Col: col, Msg: "empty expression"}
	}
	lim = lim.orDefault()
	g := &guard{env: map[*ast.IdentifierNode]bool{}}
	opts := []expr.Option{
		expr.Env(withBudgetType(env)),
		expr.MaxNodes(lim.MaxNodes),
		expr.DisableBuiltin("now"),
	}
	opts = append(opts, functions...)
	opts = append(opts, charged...)
	opts = append(opts, adders...)
	opts = append(opts, sized, step, uniq, envView, expr.Patch(g), expr.WithContext(budgetName))
	if want.Bool {
		opts = append(opts, expr.AsBool(), expr.WarnOnAny())
	}
	prog, err := expr.Compile(src, opts...)
	if len(g.reserved) > 0 {
		n := g.reserved[0]
		l, c := at(n.Location().From)
		return nil, &Error{Line: l, Col: c, Msg: fmt.Sprintf("unknown name %s: names starting with %s are reserved", n.Value, reservedPrefix)}
	}
	if err != nil {
		e := locate(err, at)
		if ee, ok := e.(*Error); ok {
			return nil, explain(ee, src, env)
		}
		return nil, e
	}
	if want.Type != nil {
		if msg := checkResult(prog.Node().Type(), want.Type); msg != "" {
			return nil, &Error{Line: line, Col: col, Msg: msg}
		}
	}
	e := &Expr{Source: src, Line: line, Col: col, at: at, prog: prog, lim: lim}
	e.charged, e.reads, e.names = analyse(prog.Node(), env)
	return e, nil
}

// withBudgetType returns env with the reserved budget variable declared.
func withBudgetType(env Env) Env {
	out := make(Env, len(env)+1)
	maps.Copy(out, env)
	out[budgetName] = types.TypeOf(&budget{})
	return out
}

// checkResult returns a message when an expression of static type got cannot land in a field of
// type want.
func checkResult(got, want reflect.Type) string {
	if got == nil || got.Kind() == reflect.Interface || want.Kind() == reflect.Interface {
		return ""
	}
	ok := true
	switch want.Kind() {
	case reflect.String:
		ok = got.Kind() == reflect.String
	case reflect.Bool:
		ok = got.Kind() == reflect.Bool
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		ok = isNumber(got.Kind())
	case reflect.Slice:
		ok = got.Kind() == reflect.Slice || got.Kind() == reflect.Array
	case reflect.Map, reflect.Struct:
		ok = got.Kind() == reflect.Map || got.Kind() == reflect.Struct
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("expression gives %s, but this field needs %s", DescribeType(got), DescribeType(want))
}

var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// Eval runs the expression against env under its budgets. Run-time failures (an exhausted budget,
// a result holding a number that is not finite) come back as *Error located in the flow file. env
// is not modified.
func (e *Expr) Eval(env map[string]any) (any, error) {
	if e.charged {
		if _, shared := env[budgetName].(*budget); !shared {
			env = e.WithBudget(env)
		}
	}
	m := vms.Get().(*vm.VM)
	m.MemoryBudget = e.lim.MemoryBudget
	out, err := m.Run(e.prog, env)
	vms.Put(m)
	if err != nil {
		return nil, locate(err, e.at)
	}
	if !finite(out) {
		return nil, e.notFinite()
	}
	return out, nil
}

// ResultType is the static type of the expression's result as the type checker sees it: a
// concrete type for `input.n * 2` or `x == "a"`, nil or an interface type when it cannot know.
func (e *Expr) ResultType() reflect.Type { return e.prog.Node().Type() }

// WithBudget returns a copy of env in which every evaluation draws from one fresh byte budget (e's),
// for evaluating several expressions as one value.
func (e *Expr) WithBudget(env map[string]any) map[string]any {
	out := make(map[string]any, len(env)+1)
	maps.Copy(out, env)
	out[budgetName] = newBudget(e.lim.ByteBudget)
	return out
}

// EvalBool runs a condition.
func (e *Expr) EvalBool(env map[string]any) (bool, error) {
	out, err := e.Eval(env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, &Error{Line: e.Line, Col: e.Col, Msg: fmt.Sprintf("condition gave %s, not a boolean", DescribeValue(out))}
	}
	return b, nil
}
