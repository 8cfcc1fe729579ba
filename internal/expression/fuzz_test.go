package expression

import (
	"testing"
	"time"
)

// FuzzCompile compiles arbitrary sources against a typed environment and runs what compiles: it
// must never panic, and every evaluation must end quickly.
func FuzzCompile(f *testing.F) {
	for _, src := range []string{
		`input.name + "!"`, `input.n * 2 > 3`, `hasAll(input.tags, ["a"]) && !isBlank(form.x)`,
		`len(form) > 0`, `form["x"] ?? "none"`, `toJSON(input)`, `fromJSON("[1, {\"a\": 2}]")`,
		`let s = repeat("x", 100); join(map(1..10, s), ",")`, `replace("aaa", "a", "bb", 2)`,
		`split("a,b", ",")[1]`, `uniq([1, 1.0, "a"])`, `groupBy(1..10, # % 3)`, `median(1..5)`,
		`reduce(1..20, #acc + #acc, "x")`, `now + duration("1h")`, `date("2026-01-01") > date("2025-01-01")`,
		`input.obj?.k matches "^v"`, `"a" matches input.name`, `__add(1, 2)`, `$env.form`,
	} {
		f.Add(src)
	}
	f.Add(hostile[0])
	f.Fuzz(func(t *testing.T, src string) {
		for _, want := range []Want{{}, {Bool: true}} {
			e, err := Compile(src, nil, testEnv, want, DefaultLimits)
			if err != nil {
				continue
			}
			start := time.Now()
			_, _ = e.Eval(testScope)
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("%q took %s", src, d)
			}
		}
	})
}
