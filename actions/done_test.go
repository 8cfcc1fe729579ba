package actions_test

import (
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
)

type quote struct {
	Tier    string    `json:"tier"`
	Seats   int       `json:"seats"`
	Plans   []string  `json:"plans"`
	ValidTo time.Time `json:"validTo"`
	hidden  string
}

// DoneWith turns the struct a kind declares with TypeOf into an output that matches the
// declaration, so an action returns the very type it declares.
func TestDoneWithReturnsTheDeclaredStruct(t *testing.T) {
	t.Parallel()
	q := quote{Tier: "team", Seats: 5, Plans: []string{"a"}, ValidTo: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), hidden: "x"}
	res, err := actions.DoneWith("team", q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "team" || res.Output["tier"] != "team" || res.Output["seats"] != 5.0 ||
		res.Output["validTo"] != "2026-01-02T03:04:05Z" || len(res.Output) != 4 {
		t.Fatalf("output %#v", res.Output)
	}
	if _, err := actions.TypeOf(quote{}).Coerce(res.Output); err != nil {
		t.Errorf("the output does not match its own declaration: %v", err)
	}
	ptr, err := actions.DoneWith("team", &q)
	if err != nil || ptr.Output["tier"] != "team" {
		t.Errorf("a pointer to the struct: %#v %v", ptr.Output, err)
	}
	m := map[string]any{"k": 1}
	if r, err := actions.DoneWith("", m); err != nil || r.Output["k"] != 1 {
		t.Errorf("a map is kept as it is: %#v %v", r.Output, err)
	}
	for _, bad := range []any{"text", 3, []int{1}, nil, func() {}} {
		if _, err := actions.DoneWith("x", bad); err == nil || !strings.HasPrefix(err.Error(), "actions: output of outcome \"x\"") {
			t.Errorf("DoneWith(%T) = %v, want an error", bad, err)
		}
	}
}
