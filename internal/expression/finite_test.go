package expression

import (
	"errors"
	"testing"
)

// A result that is, or holds, a number that is not finite is a run-time error at the expression's
// start; a condition that only compares with one is not.
func TestANonFiniteResultIsAnError(t *testing.T) {
	t.Parallel()
	for _, src := range []string{`input.n / 0`, `-input.n / 0`, `[1, 0.0 / (input.n - 3)]`, `{"a": {"b": input.n / 0}}`, `map([1, 2], # / 0)`} {
		_, err := compile(t, src, Want{}).Eval(testScope)
		var xe *Error
		if !errors.As(err, &xe) || !errors.Is(err, ErrNotFinite) || xe.Line != 1 || xe.Col != 1 {
			t.Errorf("%s: got %v, want a located ErrNotFinite", src, err)
		}
	}
	ok, err := compile(t, `input.n / 0 > 5`, Want{Bool: true}).EvalBool(testScope)
	if err != nil || !ok {
		t.Errorf("a comparison with an infinity: got %v, %v", ok, err)
	}
}
