package tree

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/expr-lang/expr/types"

	"github.com/outflowhq/outflow/internal/expression"
)

var env = expression.Env{"input": types.Map{"name": types.String}}

func expr(t *testing.T, src string, lim expression.Limits) *Node {
	t.Helper()
	e, err := expression.Compile(src, nil, env, expression.Want{}, lim)
	if err != nil {
		t.Fatal(err)
	}
	return &Node{Kind: Expr, Source: src, Compiled: e}
}

func lit(v any) *Node { return &Node{Kind: Literal, Lit: v} }

func TestEval(t *testing.T) {
	t.Parallel()
	n := &Node{Kind: Map, Keys: []string{"greeting", "list"}, Items: []*Node{
		expr(t, `"Hello " + input.name`, expression.DefaultLimits),
		{Kind: List, Items: []*Node{lit(1.0), lit("two"), expr(t, `len(input.name)`, expression.DefaultLimits)}},
	}}
	if !n.HasExpr() || lit(1.0).HasExpr() || (*Node)(nil).HasExpr() {
		t.Error("HasExpr")
	}
	var sources []string
	n.Walk(func(e *Node) { sources = append(sources, e.Source) })
	if strings.Join(sources, ",") != `"Hello " + input.name,len(input.name)` {
		t.Errorf("walk: %v", sources)
	}
	got, err := n.Eval(map[string]any{"input": map[string]any{"name": "Ada"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"greeting": "Hello Ada", "list": []any{1.0, "two", 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	n := &Node{Kind: List, Items: []*Node{{Kind: Expr, Source: "x", Line: 3, Col: 4}}}
	if _, err := n.Eval(nil); err == nil || err.Error() != `3:4: expression "x" was never compiled` {
		t.Errorf("got %v", err)
	}
	if _, err := (&Node{Kind: Kind(9)}).Eval(nil); err == nil {
		t.Error("an unknown kind evaluated")
	}
}

// TestTheExpressionsOfOneValueShareABudget checks that a value with several expressions is one
// evaluation: together they may not build more than the byte budget.
func TestTheExpressionsOfOneValueShareABudget(t *testing.T) {
	t.Parallel()
	lim := expression.DefaultLimits
	lim.ByteBudget = 1000
	one := expr(t, `repeat("x", 600)`, lim)
	if _, err := one.Eval(nil); err != nil {
		t.Fatal(err)
	}
	two := &Node{Kind: List, Items: []*Node{one, expr(t, `repeat("y", 600)`, lim)}}
	_, err := two.Eval(nil)
	var be *expression.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("two expressions built 1200 bytes on a budget of 1000: %v", err)
	}
}

func TestPlain(t *testing.T) {
	t.Parallel()
	n := &Node{Kind: Map, Keys: []string{"a"}, Items: []*Node{{Kind: List, Items: []*Node{lit("x"), lit(nil)}}}}
	if got := fmt.Sprint(n.Plain()); got != "map[a:[x <nil>]]" {
		t.Errorf("got %s", got)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want any }{
		{1, 1.0}, {int64(2), 2.0}, {int32(3), 3.0}, {uint64(4), 4.0}, {uint(5), 5.0}, {float32(0.5), 0.5},
		{"s", "s"}, {nil, nil}, {true, true},
		{[]string{"a"}, []any{"a"}},
		{map[string]string{"k": "v"}, map[string]any{"k": "v"}},
		{[]any{1, []any{2}}, []any{1.0, []any{2.0}}},
		{map[string]any{"k": map[string]any{"n": 1}}, map[string]any{"k": map[string]any{"n": 1.0}}},
	} {
		if got := Normalize(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Normalize(%#v) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
	if got := Scalar([]any{1}); !reflect.DeepEqual(got, []any{1}) {
		t.Errorf("Scalar converted a list's items: %#v", got)
	}
}
