package flows

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// A kind whose runs always name an outcome (NamedOutcomesOnly) needs no way out for success;
// without the flag, success is one of its outcomes and must lead somewhere.
func TestNamedOutcomesOnlyNeedNoWayOutForSuccess(t *testing.T) {
	t.Parallel()
	const src = `
id: quote
steps:
  price:
    action: host.tier
    on: {team: done, enterprise: done}
  done:
    end: {}
`
	for _, only := range []bool{true, false} {
		reg := coreRegistry(t)
		k := actions.Kind{Name: "host.tier", Outcomes: []string{"team", "enterprise"}, NamedOutcomesOnly: only,
			Build: func(any) (actions.Action, error) {
				return actions.ActionFunc(func(context.Context, *actions.Call) (actions.Result, error) {
					return actions.Done("team", nil), nil
				}), nil
			}}
		if err := reg.Add(k); err != nil {
			t.Fatal(err)
		}
		_, err := NewLoader(reg).Load("quote.yaml", []byte(src))
		switch {
		case only && err != nil:
			t.Errorf("NamedOutcomesOnly: %v", err)
		case !only && (err == nil || !strings.Contains(err.Error(), `no way out for outcome "success"`)):
			t.Errorf("without NamedOutcomesOnly: %v, want no way out for success", err)
		}
	}
	err := actions.NewRegistry().Add(actions.Kind{Name: "host.none", NamedOutcomesOnly: true,
		Build: func(any) (actions.Action, error) { return nil, nil }})
	if !errors.Is(err, actions.ErrInvalidKind) {
		t.Errorf("NamedOutcomesOnly without outcomes: %v, want ErrInvalidKind", err)
	}
}
