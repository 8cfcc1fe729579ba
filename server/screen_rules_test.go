package server

import (
	"testing"

	"github.com/outflowhq/outflow/actions"
)

func TestFieldRulesBecomeAttributesABrowserReadsNoMoreStrictly(t *testing.T) {
	t.Parallel()
	zero, half := 0.0, 0.5
	tests := []struct {
		field actions.Field
		want  fieldRules
	}{
		{actions.Field{Min: &zero, Max: &half}, fieldRules{Min: "0", Max: "0.5"}},
		{actions.Field{MinLength: 2, MaxLength: 80, Pattern: `[a-z]+`}, fieldRules{MinLength: "2", MaxLength: "80", Pattern: `[a-z]+`}},
		// A POSIX class is a set of letters to a browser: the engine alone checks it.
		{actions.Field{Pattern: `[[:digit:]]+`}, fieldRules{}},
		{actions.Field{Type: actions.FieldTextarea, MaxLength: 500, Pattern: `[a-z ]+`}, fieldRules{MaxLength: "500"}},
		{actions.Field{}, fieldRules{}},
	}
	for _, tt := range tests {
		if got := newFieldRules(tt.field); got != tt.want {
			t.Errorf("%+v: got %+v, want %+v", tt.field, got, tt.want)
		}
	}
}
