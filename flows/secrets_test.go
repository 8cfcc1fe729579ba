package flows

import (
	"context"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
)

type loginConfig struct {
	User     actions.Value[string] `yaml:"user"`
	Password actions.Value[string] `yaml:"password" secret:"true"`
}

func loginLoader(t *testing.T) *Loader {
	t.Helper()
	reg := actions.NewRegistry()
	login := actions.Define(actions.Kind{Name: "login", Doc: "Signs in."},
		func(context.Context, *actions.Call, *loginConfig) (actions.Result, error) {
			return actions.Result{}, nil
		})
	if err := reg.Add(append(core.Kinds(), login)...); err != nil {
		t.Fatal(err)
	}
	return NewLoader(reg)
}

const loginFlow = `
id: login
steps:
  ask:
    screen:
      fields: [{name: user, label: User}, {name: pw, label: Password, secret: true}]
      buttons: [{id: ok}]
    next: signin
  signin:
    action: login
    with:
      user: ${{ form.user }}
      password: %s
    next: done
  done:
    end: {}
`

// TestSettingsDeclaredSecretMayReadSecretFields checks that a host action's setting tagged
// secret:"true" may read a secret field, and that its other settings may not.
func TestSettingsDeclaredSecretMayReadSecretFields(t *testing.T) {
	t.Parallel()
	l := loginLoader(t)
	if _, err := l.Load("login.yaml", []byte(strings.Replace(loginFlow, "%s", "${{ form.pw }}", 1))); err != nil {
		t.Fatalf("a secret setting reading a secret field: %v", err)
	}
	src := strings.Replace(loginFlow, "%s", "${{ form.pw }}", 1)
	src = strings.Replace(src, "user: ${{ form.user }}", "user: ${{ form.pw }}", 1)
	_, err := l.Load("login.yaml", []byte(src))
	want := `login.yaml:12:17: "user" in login (step "signin") reads the secret field form.pw`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
}
