package actions_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// TestAKindThatFailsMustBeTerminal checks that a kind declaring that it always fails, but that
// would need a way out, is refused with a message naming it.
func TestAKindThatFailsMustBeTerminal(t *testing.T) {
	t.Parallel()
	run := func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
		return actions.Result{}, &actions.Error{Code: "denied", Message: "Denied."}
	}
	reg := actions.NewRegistry()
	err := reg.Add(actions.Define(actions.Kind{Name: "host.deny", Fails: true}, run))
	if !errors.Is(err, actions.ErrInvalidKind) || !strings.Contains(err.Error(), `"host.deny"`) {
		t.Fatalf("err = %v, want ErrInvalidKind naming host.deny", err)
	}
	if _, ok := reg.Lookup("host.deny"); ok {
		t.Fatal("the refused kind was registered")
	}
	if err := reg.Add(actions.Define(actions.Kind{Name: "host.deny", Fails: true, Terminal: true}, run)); err != nil {
		t.Fatalf("a terminal kind that fails: %v", err)
	}
}

// A Build given a config of another type than Define's says so, naming the package and the kind.
func TestDefineRefusesAConfigOfAnotherType(t *testing.T) {
	t.Parallel()
	type cfg struct{ N int }
	k := actions.Define(actions.Kind{Name: "test.typed"}, func(context.Context, *actions.Call, *cfg) (actions.Result, error) {
		return actions.Result{}, nil
	})
	if _, err := k.Build(new(cfg)); err != nil {
		t.Fatalf("Build(*cfg): %v", err)
	}
	_, err := k.Build("not a config")
	if err == nil || !strings.HasPrefix(err.Error(), `actions: action "test.typed": config is string`) {
		t.Errorf("Build(string) = %v, want an actions: error naming the kind", err)
	}
}
