// Package expression compiles and runs the expr-lang expressions of flows: once at load against a
// typed environment, many times at run time under a memory budget.
package expression

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Limits bound what one expression may cost.
type Limits struct {
	// MaxNodes caps the size of an expression's syntax tree at compile time.
	MaxNodes uint
	// MemoryBudget caps the allocations of one evaluation (expr's unit: roughly one per element).
	MemoryBudget uint
}

// DefaultLimits are generous for hand-written flow conditions and tight enough that a hostile flow
// cannot exhaust the process.
var DefaultLimits = Limits{MaxNodes: 1000, MemoryBudget: 50_000}

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
	Source    string
	Line, Col int
	prog      *vm.Program
	budget    uint
	reads     []string
}

// Error is a compile or run error located in the flow file.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Compile compiles src, which starts at line:col of the flow file, against env.
func Compile(src string, line, col int, env Env, want Want, lim Limits) (*Expr, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Line: line, Col: col, Msg: "empty expression"}
	}
	if lim.MaxNodes == 0 {
		lim.MaxNodes = DefaultLimits.MaxNodes
	}
	if lim.MemoryBudget == 0 {
		lim.MemoryBudget = DefaultLimits.MemoryBudget
	}
	opts := []expr.Option{
		expr.Env(env),
		expr.MaxNodes(lim.MaxNodes),
		expr.DisableBuiltin("now"),
	}
	opts = append(opts, functions...)
	opts = append(opts, guards...)
	if want.Bool {
		opts = append(opts, expr.AsBool(), expr.WarnOnAny())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		located := locate(err, src, line, col)
		if e, ok := located.(*Error); ok {
			return nil, explain(e, src, line, col, env)
		}
		return nil, located
	}
	e := &Expr{Source: src, Line: line, Col: col, prog: prog, budget: lim.MemoryBudget}
	if want.Type != nil {
		if msg := checkResult(prog.Node().Type(), want.Type); msg != "" {
			return nil, &Error{Line: line, Col: col, Msg: msg}
		}
	}
	e.reads = collectReads(prog.Node())
	return e, nil
}

// locate maps an expr error onto the flow file.
func locate(err error, src string, line, col int) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		msg := fe.Message
		if fe.Snippet == "" {
			// Errors about the whole expression (e.g. its result type) carry no position.
			return &Error{Line: line, Col: col, Msg: msg}
		}
		l, c := line, col
		if fe.Line > 1 {
			l += fe.Line - 1
			c = fe.Column + 1
		} else {
			c += fe.Column
		}
		return &Error{Line: l, Col: c, Msg: msg}
	}
	return &Error{Line: line, Col: col, Msg: err.Error()}
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
	return fmt.Sprintf("expression gives %s, but this field needs %s", kindName(got), kindName(want))
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func kindName(t reflect.Type) string {
	switch {
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case isNumber(t.Kind()):
		return "a number"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "an object"
	}
	return t.String()
}

var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// Eval runs the expression against env under the memory budget. Run-time failures (a division by
// zero, an exhausted budget) come back as *Error located in the flow file.
func (e *Expr) Eval(env map[string]any) (any, error) {
	m := vms.Get().(*vm.VM)
	m.MemoryBudget = e.budget
	out, err := m.Run(e.prog, env)
	vms.Put(m)
	if err != nil {
		return nil, locate(err, e.Source, e.Line, e.Col)
	}
	return out, nil
}

// EvalBool runs a condition.
func (e *Expr) EvalBool(env map[string]any) (bool, error) {
	out, err := e.Eval(env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, &Error{Line: e.Line, Col: e.Col, Msg: fmt.Sprintf("condition gave %T, not a boolean", out)}
	}
	return b, nil
}

// Reads returns the variables and member paths the expression reads, such as
// "steps.check.output.connected" or "interaction", in order of first appearance.
func (e *Expr) Reads() []string { return e.reads }

func collectReads(root ast.Node) []string {
	v := &readCollector{seen: map[string]bool{}}
	ast.Walk(&root, v)
	// Keep only the longest paths: drop a path that prefixes another.
	var out []string
	for _, p := range v.paths {
		covered := false
		for _, q := range v.paths {
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

type readCollector struct {
	seen  map[string]bool
	paths []string
}

func (r *readCollector) Visit(node *ast.Node) {
	if p, ok := memberPath(*node); ok && !r.seen[p] {
		r.seen[p] = true
		r.paths = append(r.paths, p)
	}
}

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
