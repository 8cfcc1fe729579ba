package expression

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/expr-lang/expr/types"
)

var testEnv = Env{
	"input": types.Map{"name": types.String, "n": types.Float64, "tags": types.Array(types.String), "obj": types.Map{types.Extra: types.Any}},
	"form":  types.Map{types.Extra: types.Any},
}

var testScope = map[string]any{
	"input": map[string]any{"name": "Ada", "n": 3.0, "tags": []any{"a", "b"}, "obj": map[string]any{"k": "v"}},
	"form":  map[string]any{"x": "y", "pw": "secret"},
}

func compile(t *testing.T, src string, want Want) *Expr {
	t.Helper()
	e, err := Compile(src, nil, testEnv, want, DefaultLimits)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return e
}

func TestCompileAndEval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src  string
		want any
	}{
		{`input.name + "!"`, "Ada!"},
		{`input.n + 1`, 4.0},
		{`input.tags + ["c"]`, []any{"a", "b", "c"}},
		{`hasAll(input.tags, ["a"])`, true},
		{`hasAny(input.tags, ["z", "b"])`, true},
		{`missing(input.tags, ["a", "z"])`, []any{"z"}},
		{`isEmail("a@b.co") && !isBlank(input.name) && !isEmail("a@b")`, true},
		{`replace(input.name, "d", "D")`, "ADa"},
		{`replace("aaa", "a", "b", 2)`, "bba"},
		{`repeat("ab", 2)`, "abab"},
		{`form.x + "z"`, "yz"},
		{`join(input.tags, "-")`, "a-b"},
		{`join(["x", "y"])`, "xy"},
		{`upper(input.name) + lower("B")`, "ADAb"},
		{`split("a,b,c", ",")`, []string{"a", "b", "c"}},
		{`split("a,b,c", ",", 2)`, []string{"a", "b,c"}},
		{`splitAfter("a,b", ",")`, []string{"a,", "b"}},
		{`string(input.n)`, "3"},
		{`toJSON(input.tags)`, "[\n  \"a\",\n  \"b\"\n]"},
		{`fromJSON("{\"a\": [1, 2]}").a[1]`, 2.0},
		{`fromBase64(toBase64("hi"))`, "hi"},
		{`"Ada" matches "^A" && input.name matches input.name`, true},
		{`uniq([1, 1.0, "a", "a", [1], [1], nil, nil, true, 2])`, []any{1, "a", []any{1}, nil, true, 2}},
		{`keys(input.obj)`, []any{"k"}},
		{`values(input.obj)`, []any{"v"}},
		{`median([3, 1, 2])`, 2.0},
		{`len(groupBy(1..4, # % 2)[0])`, 2},
	} {
		got, err := compile(t, tc.src, Want{}).Eval(testScope)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.src, got, tc.want)
		}
	}
}

func TestEvalDoesNotChangeTheScope(t *testing.T) {
	t.Parallel()
	scope := map[string]any{"input": map[string]any{"name": "Ada"}}
	if _, err := compile(t, `repeat(input.name, 2)`, Want{}).Eval(scope); err != nil {
		t.Fatal(err)
	}
	if len(scope) != 1 {
		t.Fatalf("scope = %v", scope)
	}
}

// TestPlusKeepsTypeChecking checks that only a `+` that may join strings or lists goes through the
// size check, so a number plus a string stays a load error.
func TestPlusKeepsTypeChecking(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src  string
		want Want
		err  string
	}{
		{`input.n + "x"`, Want{}, `1:9: invalid operation: + (mismatched types float64 and string)`},
		{`input.name + input.n == "x"`, Want{Bool: true}, `1:12: invalid operation: + (mismatched types string and float64)`},
		{`input.tags + 1`, Want{}, `1:12: invalid operation: + (mismatched types []interface {} and int)`},
		{`input.name + "x"`, Want{Type: reflect.TypeFor[float64]()}, `1:1: expression gives a string, but this field needs a number`},
		{`input.name + input.name`, Want{Type: reflect.TypeFor[string]()}, ``},
		{`form.x + 1`, Want{}, ``},
		{`form.x + form.y`, Want{}, ``},
		{`input.tags + form.x`, Want{}, ``},
		{`now + duration("1h")`, Want{}, `1:1: unknown variable "now"`},
	} {
		_, err := Compile(tc.src, nil, testEnv, tc.want, DefaultLimits)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.src, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%s: got %v, want %q", tc.src, err, tc.err)
		}
	}
	// A number plus an unknown value is expr's own `+`: a string there fails when it runs.
	if _, err := compile(t, `form.x + 1`, Want{}).Eval(testScope); err == nil {
		t.Error(`form.x + 1 with a string form.x evaluated`)
	}
}

func TestErrorsAreLocatedInTheFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src  string
		want string
	}{
		{`input.nmae == "x"`, `10:11: unknown field "nmae" in input.nmae (did you mean "name"?)`},
		{`input.name`, "10:5: expected bool, but got string"},
		{`inptu.name == ""`, `10:5: unknown variable "inptu" (did you mean "input"?); expressions can read form, input`},
		{`input.name == 1`, "10:16: invalid operation: == (mismatched types string and int)"},
		{"input.name == \"a\" &&\n  input.nmae == \"b\"", `11:9: unknown field "nmae" in input.nmae`},
		{`__eval != nil`, `10:5: unknown name __eval: names starting with __ are reserved`},
		{`__add(1, 2) == 3`, `10:5: unknown name __add`},
	} {
		_, err := Compile(tc.src, At(tc.src, 10, 5), testEnv, Want{Bool: true}, DefaultLimits)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want prefix %q", tc.src, err, tc.want)
		}
	}
}

func TestRunTimeErrorsAreLocated(t *testing.T) {
	t.Parallel()
	src := `input.name == "" || repeat("x", -1) == ""`
	e, err := Compile(src, At(src, 3, 7), testEnv, Want{Bool: true}, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Eval(testScope)
	if err == nil || !strings.HasPrefix(err.Error(), "3:27: repeat: the count must not be negative") {
		t.Fatalf("got %v", err)
	}
}

func TestAtCountsCharacters(t *testing.T) {
	t.Parallel()
	at := At("é\nab", 4, 9)
	for _, tc := range []struct{ offset, line, col int }{{0, 4, 9}, {1, 4, 10}, {2, 5, 1}, {3, 5, 2}} {
		if l, c := at(tc.offset); l != tc.line || c != tc.col {
			t.Errorf("at(%d) = %d:%d, want %d:%d", tc.offset, l, c, tc.line, tc.col)
		}
	}
}

func TestReads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{`input.name == "a" && len(input.tags) > input.n`, "input.name,input.tags,input.n"},
		{`isEmail(input.name) && repeat("x", 2) != ""`, "input.name"},
		{`let x = input.obj; x.k == "v"`, "input.obj"},
		{`form?.x == "y"`, "form.x"},
	} {
		if got := strings.Join(compile(t, tc.src, Want{Bool: true}).Reads(), ","); got != tc.want {
			t.Errorf("%s: reads = %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestUses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src    string
		fields string
		whole  bool
	}{
		{`form.x == "y" && form?.pw == ""`, "x,pw", false},
		{`form["pw"] == ""`, "pw", false},
		{`len(form) > 0`, "", true},
		{`form[input.name] == ""`, "", true},
		{`form.x == "" && keys(form)[0] == "pw"`, "x", true},
		{`let f = form; f.pw == ""`, "", true},
		{`$env.form.pw == ""`, "", true},
		{`input.name == ""`, "", false},
	} {
		fields, whole := compile(t, tc.src, Want{Bool: true}).Uses("form")
		if got := strings.Join(fields, ","); got != tc.fields || whole != tc.whole {
			t.Errorf("%s: uses %q whole=%v, want %q whole=%v", tc.src, got, whole, tc.fields, tc.whole)
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		got, want string
	}{
		{DescribeType(reflect.TypeFor[string]()), "a string"},
		{DescribeType(reflect.TypeFor[int]()), "a whole number"},
		{DescribeType(reflect.TypeFor[float64]()), "a number"},
		{DescribeType(reflect.TypeFor[bool]()), "true or false"},
		{DescribeType(reflect.TypeFor[[]string]()), "a list"},
		{DescribeType(reflect.TypeFor[map[string]int]()), "an object"},
		{DescribeType(reflect.TypeFor[any]()), "a value"},
		{DescribeValue(nil), "nothing"},
		{DescribeValue(true), "a boolean"},
		{DescribeValue(3), "a number"},
		{DescribeValue([]any{}), "a list"},
		{DescribeValue(map[string]any{}), "an object"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
