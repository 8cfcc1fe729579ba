package flows

import (
	"context"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// TestAHostKindThatFailsIsDrawnAsAFailure checks that the diagram follows the kind's Fails flag,
// not its name: a host's own failing kind is drawn like `fail`.
func TestAHostKindThatFailsIsDrawnAsAFailure(t *testing.T) {
	t.Parallel()
	reg := coreRegistry(t)
	deny := actions.Define(actions.Kind{Name: "host.deny", Terminal: true, Fails: true},
		func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
			return actions.Result{}, &actions.Error{Code: "denied", Message: "Denied."}
		})
	stop := actions.Define(actions.Kind{Name: "host.stop", Terminal: true},
		func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
			return actions.Result{Finish: true}, nil
		})
	if err := reg.Add(deny, stop); err != nil {
		t.Fatal(err)
	}
	f, err := NewLoader(reg).Load("deny.yaml", []byte(`
id: deny
steps:
  check:
    action: set
    with: {ok: true}
    next:
      - when: steps.check.output.ok
        goto: stop
      - goto: deny
  deny:
    action: host.deny
  stop:
    action: host.stop
`))
	if err != nil {
		t.Fatal(err)
	}
	mmd := Mermaid(f)
	if !strings.Contains(mmd, "class s_deny failure") {
		t.Errorf("a kind that fails is not drawn as a failure:\n%s", mmd)
	}
	if !strings.Contains(mmd, "class s_stop finish") {
		t.Errorf("a terminal kind that does not fail is not drawn as an end:\n%s", mmd)
	}
}
