package expression

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/types"
)

var testEnv = Env{
	"input": types.Map{"name": types.String, "n": types.Float64, "tags": types.Array(types.String)},
	"form":  types.Map{types.Extra: types.Any},
}

func TestCompileAndEval(t *testing.T) {
	t.Parallel()
	env := map[string]any{"input": map[string]any{"name": "Ada", "n": 3.0, "tags": []any{"a", "b"}}, "form": map[string]any{"x": "y"}}
	for _, tc := range []struct {
		src  string
		want any
	}{
		{`input.name + "!"`, "Ada!"},
		{`input.n + 1`, 4.0},
		{`input.tags + ["c"]`, []any{"a", "b", "c"}},
		{`hasAll(input.tags, ["a"])`, true},
		{`missing(input.tags, ["a", "z"])`, []any{"z"}},
		{`isEmail("a@b.co") && !isBlank(input.name)`, true},
		{`replace(input.name, "d", "D")`, "ADa"},
		{`repeat("ab", 2)`, "abab"},
		{`form.x + "z"`, "yz"},
	} {
		e, err := Compile(tc.src, 1, 1, testEnv, Want{}, DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got, err := e.Eval(env)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.src, got, tc.want)
		}
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
		{`inptu.name == ""`, `10:5: unknown variable "inptu" (did you mean "input"?)`},
		{`input.name == 1`, "10:16: invalid operation: == (mismatched types string and int)"},
	} {
		_, err := Compile(tc.src, 10, 5, testEnv, Want{Bool: true}, DefaultLimits)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want prefix %q", tc.src, err, tc.want)
		}
	}
}

func TestHostileExpressionsAreBounded(t *testing.T) {
	t.Parallel()
	var doubling strings.Builder
	doubling.WriteString(`let a0 = "xxxxxxxxxxxxxxxx"; `)
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&doubling, "let a%d = a%d + a%d; ", i, i-1, i-1)
	}
	doubling.WriteString("len(a40) > 0")
	hostile := []string{
		doubling.String(),
		`len(repeat(repeat("x", 10000), 10000)) > 0`,
		`len(replace(replace(replace(replace(replace(replace("xxxxxxxxxx","x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx")) > 0`,
		`len(reduce(1..40, #acc + #acc, "xx")) > 0`,
		`len(map(1..100000000, # * 2)) > 0`,
		`len(toJSON(1..10000000)) > 0`,
	}
	for _, src := range hostile {
		e, err := Compile(src, 1, 1, testEnv, Want{Bool: true}, DefaultLimits)
		if err != nil {
			continue // refused at load: fine
		}
		start := time.Now()
		if _, err := e.Eval(map[string]any{}); err == nil {
			t.Errorf("%.50s... evaluated without hitting a limit", src)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.50s... took %s before failing", src, d)
		}
	}
	big := "x" + strings.Repeat(" || true", 2000)
	if _, err := Compile(big, 1, 1, testEnv, Want{Bool: true}, DefaultLimits); err == nil {
		t.Error("an expression over the node limit compiled")
	}
}

func TestReads(t *testing.T) {
	t.Parallel()
	e, err := Compile(`input.name == "a" && len(input.tags) > input.n`, 1, 1, testEnv, Want{Bool: true}, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Reads(), ","); got != "input.name,input.tags,input.n" {
		t.Fatalf("reads = %s", got)
	}
}
