package expression

import (
	"strings"
	"testing"
)

// The variable through which an evaluation hands out its budget is not part of what $env shows,
// whichever way an expression looks at it.
func TestEnvDoesNotShowTheReservedVariable(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`toJSON($env)`,
		`string(keys($env))`,
		`toJSON($env["__" + "eval"])`,
		`toJSON(map(keys($env), $env[#]))`,
		`let e = $env; toJSON(e)`,
	} {
		got, err := compile(t, src, Want{}).Eval(testScope)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		s, _ := got.(string)
		if strings.Contains(s, "eval") || strings.Contains(s, budgetName) {
			t.Errorf("%s = %s, shows the reserved variable", src, s)
		}
	}
	got, err := compile(t, `$env.input.name + "!"`, Want{}).Eval(testScope)
	if err != nil || got != "Ada!" {
		t.Errorf("$env.input.name = %v, %v", got, err)
	}
}
