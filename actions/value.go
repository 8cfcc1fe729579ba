package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/outflowhq/outflow/internal/expression"
	"github.com/outflowhq/outflow/internal/tree"
)

// Value is a `with:` field that holds either a literal T or an expression written as a whole scalar
// `${{ ... }}` (also inside lists and maps), evaluated when the step runs. The flow loader compiles
// every expression against the flow's typed environment, so a Value that loaded cannot hold a
// misspelled reference.
//
// Fields that are not Values accept only literals; an expression there is a load error.
//
// The expressions of a Value may not read a secret screen field (form.<name> of a field with
// `secret: true`), nor the whole form when the flow has secret fields: what a setting computes may
// end up in an output, on a screen or in an event, so the loader refuses such a flow. A host
// action that must receive a secret, such as the password of a login action, declares the field
// with the struct tag `secret:"true"`; it must then keep the value out of its output, state,
// events and errors:
//
//	type LoginConfig struct {
//		User     actions.Value[string] `yaml:"user"`
//		Password actions.Value[string] `yaml:"password" secret:"true"`
//	}
type Value[T any] struct {
	tree   *tree.Node
	lit    T
	hasLit bool
}

// Literal returns a Value holding v.
func Literal[T any](v T) Value[T] { return Value[T]{lit: v, hasLit: true} }

// IsSet reports whether the field was written.
func (v Value[T]) IsSet() bool { return v.hasLit || v.tree != nil }

// IsExpr reports whether the value contains an expression.
func (v Value[T]) IsExpr() bool { return v.tree != nil && v.tree.HasExpr() }

// Literal returns the value when it contains no expression.
func (v Value[T]) Literal() (T, bool) { return v.lit, v.hasLit }

// Get evaluates the value in the call's scope.
func (v Value[T]) Get(call *Call) (T, error) {
	var scope map[string]any
	if call != nil {
		scope = call.Scope
	}
	return v.Eval(scope)
}

// Eval evaluates the value against an expression environment.
func (v Value[T]) Eval(scope map[string]any) (T, error) {
	if v.hasLit || v.tree == nil {
		return v.lit, nil
	}
	raw, err := v.tree.Eval(scope)
	if err != nil {
		var zero T
		return zero, err
	}
	if raw == nil && v.StaticType().Kind == KindBool {
		raw = false // a boolean expression's nil (`c ? true : nil`) is false, as its type says
	}
	out, err := convert[T](raw)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%d:%d: %w", v.tree.Line, v.tree.Col, err)
	}
	return out, nil
}

// SetTree is how the flow loader hands a Value what it decoded from a flow file: a value tree of
// the loader's own, opaque to hosts; any other argument is refused. It converts a tree without
// expressions to T at once and reports a mismatch.
func (v *Value[T]) SetTree(decoded any) error {
	n, ok := decoded.(*tree.Node)
	if !ok || n == nil {
		return fmt.Errorf("actions.Value takes a value tree from the flow loader, not %T", decoded)
	}
	v.tree = n
	v.hasLit = false
	if n.HasExpr() {
		return nil
	}
	lit, err := convert[T](n.Plain())
	if err != nil {
		return err
	}
	v.lit, v.hasLit = lit, true
	return nil
}

// ValueType returns the Go type T, which expressions are checked against.
func (v *Value[T]) ValueType() reflect.Type { return reflect.TypeFor[T]() }

// StaticType returns the flow type of the value when known without running it: the type of a
// literal, bool for a compiled whole-value boolean expression, or the type of T; Any otherwise.
func (v *Value[T]) StaticType() Type {
	t := reflect.TypeFor[T]()
	if t.Kind() == reflect.Interface {
		switch {
		case v.hasLit:
			return typeOfValue(normalize(any(v.lit)))
		case v.tree != nil && v.tree.Kind == tree.Expr && v.tree.Compiled != nil:
			// A whole-value expression the checker knows to be a boolean (a comparison, a
			// logical operator, a predicate) is a bool, which conditions can test; Eval turns a nil
			// it may still give (`c ? true : nil`) into false. Other types stay any: the checker's
			// numbers are ints or floats that JSON makes floats, and its strings may be nil.
			if rt := v.tree.Compiled.ResultType(); rt != nil && rt.Kind() == reflect.Bool {
				return Bool()
			}
		}
		return Any()
	}
	return typeOf(t)
}

func typeOfValue(x any) Type {
	switch x.(type) {
	case string:
		return String()
	case float64:
		return Number()
	case bool:
		return Bool()
	case []any:
		return List(Any())
	case map[string]any:
		return Map(Any())
	}
	return Any()
}

// convert turns an evaluated value (JSON form, or Go values from expr) into T.
func convert[T any](raw any) (T, error) {
	var zero T
	want := reflect.TypeFor[T]()
	if want.Kind() == reflect.Interface {
		if v, ok := any(Normalize(raw)).(T); ok {
			return v, nil
		}
	}
	if t, ok := raw.(T); ok {
		return t, nil
	}
	switch want.Kind() {
	case reflect.String:
		switch x := raw.(type) {
		case int, int64, float64, bool:
			// YAML scalars like `version: 2` land in string fields as their text.
			s := fmt.Sprint(x)
			if f, ok := x.(float64); ok {
				s = strconv.FormatFloat(f, 'f', -1, 64)
			}
			return reflect.ValueOf(s).Convert(want).Interface().(T), nil
		case string:
			return reflect.ValueOf(x).Convert(want).Interface().(T), nil
		}
	}
	if raw == nil {
		return zero, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return zero, fmt.Errorf("expected %s", expression.DescribeType(want))
	}
	var out T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		if _, field, ok := strings.Cut(err.Error(), "unknown field "); ok {
			return zero, fmt.Errorf("unknown field %s", field)
		}
		return zero, fmt.Errorf("expected %s, got %s", expression.DescribeType(want), expression.DescribeValue(raw))
	}
	return out, nil
}
