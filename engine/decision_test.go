package engine_test

import (
	"testing"

	"github.com/outflowhq/outflow/engine"
)

func TestCheckString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		check engine.Check
		want  string
	}{
		{engine.Check{When: `form.plan == "pro"`, Result: false, Values: map[string]any{"form.plan": "free"}}, `form.plan == "pro" → false (form.plan = "free")`},
		{engine.Check{When: "a > 1 && b", Result: true, Values: map[string]any{"b": true, "a": float64(2)}}, `a > 1 && b → true (a = 2, b = true)`},
		{engine.Check{When: "true", Result: true}, `true → true`},
	}
	for _, tt := range tests {
		if got := tt.check.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}
