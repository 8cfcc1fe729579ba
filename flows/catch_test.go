package flows

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
)

// A catch may name the action's own error codes and the codes any step can raise; anything else
// is a load error that lists both.
func TestCatchCodesAreChecked(t *testing.T) {
	t.Parallel()
	reg := actions.NewRegistry()
	lookup := actions.Define(actions.Kind{Name: "crm.lookup", Errors: []string{"not_found"}},
		func(context.Context, *actions.Call, *struct{}) (actions.Result, error) { return actions.Result{}, nil })
	if err := reg.Add(append(core.Kinds(), lookup)...); err != nil {
		t.Fatal(err)
	}
	_, err := NewLoader(reg).Load("catch.yaml", []byte(`
id: catch
steps:
  find:
    action: crm.lookup
    catch: {not_found: done, limit: done, expression: done, timeout: done, internal: done, output: done, notfound: done}
    next: done
  done:
    end: {}
`))
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 {
		t.Fatalf("got %v, want one problem", err)
	}
	want := `catch.yaml:6:116: step "find": crm.lookup raises no error "notfound"; it raises not_found, and any step can raise timeout, internal, expression, limit, output (or use "any") (did you mean "not_found"?)`
	if got := ds[0].String(); !strings.HasPrefix(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
