package apps

import (
	"slices"
	"testing"
)

// Categories hands out a copy: changing it does not change the categories templates are checked
// against.
func TestCategoriesIsACopy(t *testing.T) {
	t.Parallel()
	got := Categories()
	if !slices.Contains(got, "crm") {
		t.Fatalf("Categories() = %v, want crm among them", got)
	}
	want := slices.Clone(got)
	for i := range got {
		got[i] = "x"
	}
	if again := Categories(); !slices.Equal(again, want) {
		t.Errorf("after changing a returned slice, Categories() = %v, want %v", again, want)
	}
	var p Problems
	(&Template{Categories: []string{"x"}}).validateMeta(&p)
	if !p.has("categories[0]") {
		t.Error("a changed returned slice made \"x\" a category")
	}
}
