package expression

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostile are expressions that, unbounded, allocate hundreds of megabytes or more while staying
// within expr's element budget: the elements are big strings, or lists and maps built again and
// again by built-ins that expr does not count.
var hostile = []string{
	`len(map(1..20000, repeat("x", 65536))) > 0`,
	`let s = repeat("x", 60000); len(join(map(1..20000, s), "")) > 0`,
	`let s = repeat("x", 60000); len(toJSON(map(1..20000, s))) > 0`,
	`let s = repeat("x", 60000); len(string(map(1..20000, s))) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, s + "y")) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, upper(s))) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, lower(s))) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, toBase64(s))) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, replace(s, "x", "y"))) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, split(s, ""))) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, splitAfter(s, "x"))) > 0`,
	`let s = repeat("x", 60000); len(map(1..20000, string(s))) > 0`,
	`let s = repeat("a", 60000); len(filter(1..20000, "a" matches s)) > 0`,
	`let s = "[" + repeat("[],", 20000) + "[]]"; len(map(1..20000, fromJSON(s))) > 0`,
	`let a = 1..20000; len(map(a, groupBy(a, #))) > 0`,
	`let m = groupBy(1..5000, #); len(map(1..20000, keys(m))) > 0`,
	`let m = groupBy(1..5000, #); len(map(1..20000, values(m))) > 0`,
	`let m = groupBy(1..5000, #); len(map(1..20000, toPairs(m))) > 0`,
	`let a = 1..20000; len(map(1..20000, uniq(a))) > 0`,
	`let a = map(1..4000, [#, #]); len(map(1..10000, fromPairs(a))) > 0`,
	`let a = 1..20000; len(map(a, median(a))) > 0`,
	`let a = 1..20000; len(map(a, string(a))) > 0`,
	`let a = 1..20000; len(map(a, toJSON(a))) > 0`,
	`let a = 1..20000; len(map(a, a + a)) > 0`,
	`len(reduce(1..40, #acc + #acc, "xx")) > 0`,
	`let r = reduce(1..20000, [#acc], []); len(toJSON(r)) > 0`,
}

// TestHostileExpressionsFailFastAndSmall runs each hostile expression and checks that it fails
// within a second, having allocated little. It does not run in parallel, so that the allocation
// count is its own.
func TestHostileExpressionsFailFastAndSmall(t *testing.T) {
	for _, src := range hostile {
		e, err := Compile(src, nil, testEnv, Want{Bool: true}, DefaultLimits)
		if err != nil {
			t.Errorf("%s: refused at compile time: %v", src, err)
			continue
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err = e.Eval(map[string]any{})
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		var be *BudgetError
		if !errors.As(err, &be) {
			t.Errorf("%s: got %v, want the byte budget or the value cap to stop it", src, err)
		}
		if took > time.Second {
			t.Errorf("%s: took %s before failing", src, took)
		}
		if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 50 {
			t.Errorf("%s: allocated %d MB before failing", src, mb)
		}
		t.Logf("%s: %v (%s, %d KB)", src, err, took, (after.TotalAlloc-before.TotalAlloc)>>10)
	}
}

func TestMoreHostileExpressionsAreBounded(t *testing.T) {
	t.Parallel()
	var doubling strings.Builder
	doubling.WriteString(`let a0 = "xxxxxxxxxxxxxxxx"; `)
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&doubling, "let a%d = a%d + a%d; ", i, i-1, i-1)
	}
	doubling.WriteString("len(a40) > 0")
	for _, src := range []string{
		doubling.String(),
		`len(repeat(repeat("x", 10000), 10000)) > 0`,
		`len(replace(replace(replace(replace(replace(replace("xxxxxxxxxx","x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx"),"x","xxxxxxxxxx")) > 0`,
		`len(map(1..100000000, # * 2)) > 0`,
		`len(toJSON(1..10000000)) > 0`,
	} {
		e, err := Compile(src, nil, testEnv, Want{Bool: true}, DefaultLimits)
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
	if _, err := Compile(big, nil, testEnv, Want{Bool: true}, DefaultLimits); err == nil {
		t.Error("an expression over the node limit compiled")
	}
}

func TestOrdinaryExpressionsFitTheBudget(t *testing.T) {
	t.Parallel()
	scope := map[string]any{
		"input": map[string]any{"name": strings.Repeat("n", 2000), "tags": []any{"a", "b", "c"}, "obj": map[string]any{"k": strings.Repeat("v", 1000)}},
		"form":  map[string]any{"x": strings.Repeat("y", 5000)},
	}
	for _, src := range []string{
		`len(toJSON(form) + toJSON(input.obj) + string(input.tags)) > 0`,
		`len(join(map(1..20, input.name), ",")) > 0`,
		`len(upper(form.x) + lower(form.x) + replace(form.x, "y", "zz")) > 0`,
		`len(keys(input.obj)) + len(values(form)) + len(split(form.x, "")) > 0`,
		`len(reduce(1..10, #acc + "x", "")) == 10`,
	} {
		if ok, err := compile(t, src, Want{Bool: true}).EvalBool(scope); err != nil || !ok {
			t.Errorf("%s = %v, %v", src, ok, err)
		}
	}
}

func TestByteBudgetIsConfigurable(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits
	lim.ByteBudget = 100
	for _, tc := range []struct {
		src string
		ok  bool
	}{
		{`len(repeat("x", 100)) > 0`, true},
		{`len(repeat("x", 101)) > 0`, false},
		{`len(repeat("x", 60) + repeat("y", 40)) > 0`, false}, // 60 + 40 + the 100 of the sum
		{`len(toJSON(["aaaaaaaaaa"])) > 0`, true},
	} {
		e, err := Compile(tc.src, nil, testEnv, Want{Bool: true}, lim)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Eval(nil)
		var be *BudgetError
		if tc.ok != (err == nil) || !tc.ok && !errors.As(err, &be) {
			t.Errorf("%s: %v", tc.src, err)
		}
	}
}

func TestWithBudgetSharesOneBudget(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits
	lim.ByteBudget = 100
	e, err := Compile(`repeat("x", 60)`, nil, testEnv, Want{}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(nil); err != nil {
		t.Fatalf("each evaluation has its own budget: %v", err)
	}
	shared := e.WithBudget(nil)
	if _, err := e.Eval(shared); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(shared); err == nil {
		t.Fatal("two evaluations sharing a 100-byte budget built 120 bytes")
	}
}

func TestEncodedSizeBoundsWhatIsBuilt(t *testing.T) {
	t.Parallel()
	values := []any{
		nil, "", "a\"b\\c\n<&>\u2028é\x01\xff", true, 12345, int64(-7), 1e300, 0.1, []any{}, []any{1, "x", []any{nil}},
		map[string]any{}, map[string]any{"a": map[string]any{"b": []any{1.5, false}}}, []int{1, 2}, []string{"<", "x"},
		map[string]int{"k": 1}, struct{ A int }{1}, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), time.Hour,
	}
	for _, v := range values {
		js, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		est := encodedSize(v, 1<<20)
		if est < len(js) || est < len(fmt.Sprintf("%v", v)) {
			t.Errorf("%#v: estimate %d below %d (JSON) or %d (%%v)", v, est, len(js), len(fmt.Sprintf("%v", v)))
		}
	}
}

// Nested predicates over a list the flow already has allocate nothing, so only the step count
// stops them: three levels over 400 items would run 64 million predicates.
func TestNestedPredicatesAreCounted(t *testing.T) {
	t.Parallel()
	tags := make([]any, 400)
	for i := range tags {
		tags[i] = fmt.Sprint(i)
	}
	scope := map[string]any{"input": map[string]any{"tags": tags}}
	for _, src := range []string{
		`all(input.tags, all(input.tags, all(input.tags, true)))`,
		`sum(input.tags, sum(input.tags, sum(input.tags, 1))) > 0`,
		`reduce(input.tags, reduce(input.tags, reduce(input.tags, #acc + 1, 0), 0), 0) > 0`,
		`one(input.tags, one(input.tags, all(input.tags, # != "")))`,
	} {
		e, err := Compile(src, nil, testEnv, Want{Bool: true}, DefaultLimits)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		_, err = e.Eval(scope)
		var be *BudgetError
		if !errors.As(err, &be) || !be.Steps {
			t.Errorf("%s: got %v, want the step limit", src, err)
		}
	}
	// Ordinary predicates are far under the limit.
	e, err := Compile(`all(input.tags, any(input.tags, # == "50"))`, nil, testEnv, Want{Bool: true}, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.EvalBool(scope); err != nil || !ok {
		t.Fatalf("got %v %v", ok, err)
	}
}
