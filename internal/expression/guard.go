package expression

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// MaxValueSize caps the strings (bytes) and lists (items) that `+`, repeat and replace can build.
// expr's memory budget counts lists and maps but not the bytes of strings, so without this a
// dozen `let x = y + y` lines would build gigabytes.
const MaxValueSize = 64 << 10

const addFunc = "__add"

// guards are the options that bound what one evaluation can allocate.
var guards = []expr.Option{
	expr.Patch(sizeGuard{}),
	expr.Function(addFunc, func(p ...any) (any, error) { return checkedAdd(p[0], p[1]) },
		new(func(string, string) string), new(func(any, any) any)),
	expr.Function("repeat", func(p ...any) (any, error) {
		s, _ := p[0].(string)
		n := runtime.ToInt(p[1])
		if n < 0 {
			return nil, fmt.Errorf("repeat: the count must not be negative")
		}
		if n > 0 && len(s) > MaxValueSize/n {
			return nil, errTooBig
		}
		return strings.Repeat(s, n), nil
	}, new(func(string, int) string)),
	expr.Function("replace", func(p ...any) (any, error) {
		s, _ := p[0].(string)
		old, _ := p[1].(string)
		repl, _ := p[2].(string)
		size := len(s) + (len(s)+1)*len(repl)
		if old != "" {
			size = len(s) + strings.Count(s, old)*(len(repl)-len(old))
		}
		if size > MaxValueSize {
			return nil, errTooBig
		}
		return strings.ReplaceAll(s, old, repl), nil
	}, new(func(string, string, string) string)),
}

var errTooBig = fmt.Errorf("value larger than %d bytes", MaxValueSize)

// sizeGuard rewrites every `+` that may join strings or lists into a call of checkedAdd.
type sizeGuard struct{}

func (sizeGuard) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok || b.Operator != "+" || (!mayGrow(b.Left.Type()) && !mayGrow(b.Right.Type())) {
		return
	}
	ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: addFunc}, Arguments: []ast.Node{b.Left, b.Right}})
}

func mayGrow(t reflect.Type) bool {
	if t == nil {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Interface, reflect.Slice, reflect.Array:
		return true
	}
	return false
}

// checkedAdd is expr's `+` with a size limit on what it builds.
func checkedAdd(a, b any) (any, error) {
	if s, ok := a.(string); ok {
		if t, ok := b.(string); ok {
			if len(s)+len(t) > MaxValueSize {
				return nil, errTooBig
			}
			return s + t, nil
		}
	}
	la, lb := reflect.ValueOf(a), reflect.ValueOf(b)
	if la.Kind() == reflect.Slice && lb.Kind() == reflect.Slice {
		if la.Len()+lb.Len() > MaxValueSize {
			return nil, errTooBig
		}
		out := make([]any, 0, la.Len()+lb.Len())
		for _, l := range []reflect.Value{la, lb} {
			for i := range l.Len() {
				out = append(out, l.Index(i).Interface())
			}
		}
		return out, nil
	}
	var out any
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		out = runtime.Add(a, b)
		return nil
	}()
	return out, err
}
