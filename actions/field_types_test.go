package actions_test

import (
	"slices"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// TestTheFieldTypesCannotBeChangedFromOutside checks that a caller scribbling over the list it got
// changes neither the list nor which types a screen accepts.
func TestTheFieldTypesCannotBeChangedFromOutside(t *testing.T) {
	t.Parallel()
	types := actions.FieldTypes()
	want := slices.Clone(types)
	for i := range types {
		types[i] = "bogus"
	}
	if got := actions.FieldTypes(); !slices.Equal(got, want) {
		t.Fatalf("FieldTypes() = %v after a caller changed its copy, want %v", got, want)
	}
	for _, typ := range want {
		if !actions.IsFieldType(typ) {
			t.Errorf("IsFieldType(%q) = false", typ)
		}
	}
	if actions.IsFieldType("bogus") || actions.IsFieldType("") {
		t.Error("IsFieldType accepts a type no screen supports")
	}
}
