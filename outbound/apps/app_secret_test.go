package apps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/outbound"
)

const leak = "super-secret-value-42"

func appWithSecret(t *testing.T) App {
	t.Helper()
	a := validOAuth2(t)
	a.ClientSecret = outbound.NewSecret(leak)
	return a
}

func TestSecretNeverMarshals(t *testing.T) {
	t.Parallel()
	a := appWithSecret(t)
	for name, v := range map[string]any{"app": a, "app pointer": &a, "view": a.View("https://auth.example.com")} {
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bytes.Contains(out, []byte(leak)) || bytes.Contains(out, []byte(`"clientSecret"`)) {
			t.Errorf("%s JSON shows the secret: %s", name, out)
		}
	}
	view, _ := json.Marshal(a.View("https://auth.example.com"))
	if !bytes.Contains(view, []byte(`"hasClientSecret":true`)) {
		t.Errorf("view lacks hasClientSecret: %s", view)
	}
	if out, err := yaml.Marshal(a); err != nil || strings.Contains(string(out), leak) {
		t.Errorf("YAML of the app: err %v, leaks %v", err, strings.Contains(string(out), leak))
	}
	if _, err := json.Marshal(a.ClientSecret); !errors.Is(err, outbound.ErrSecretMarshal) {
		t.Errorf("json.Marshal(secret) err = %v, want ErrSecretMarshal", err)
	}
	if _, err := yaml.Marshal(struct{ S outbound.Secret }{a.ClientSecret}); err == nil {
		t.Error("yaml.Marshal of a secret succeeded")
	}
	patch := AppPatch{ClientSecret: ptr(a.ClientSecret)}
	if out, err := json.Marshal(patch); err == nil || strings.Contains(string(out), leak) {
		t.Errorf("json.Marshal(patch with secret) = %s, %v; want an error", out, err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	a := appWithSecret(t)
	type holder struct {
		name   string
		secret outbound.Secret // unexported: fmt prints it by reflection
	}
	values := map[string]any{
		"secret": a.ClientSecret, "app": a, "app pointer": &a, "view": a.View("https://x.example"),
		"patch": AppPatch{ClientSecret: &a.ClientSecret}, "unexported field": holder{"h", a.ClientSecret},
		"input": TemplateInput{ClientSecret: a.ClientSecret},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %v"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, leak) {
				t.Errorf("%s with %s shows the secret: %s", name, verb, out)
			}
		}
	}
	if got := fmt.Sprintf("%v|%s|%#v|%q", a.ClientSecret, a.ClientSecret, a.ClientSecret, a.ClientSecret); got != `REDACTED|REDACTED|REDACTED|"REDACTED"` {
		t.Errorf("secret prints as %s", got)
	}
	if s := a.ClientSecret.String() + a.ClientSecret.GoString(); s != "REDACTEDREDACTED" {
		t.Errorf("String+GoString = %s", s)
	}
	if got := fmt.Sprint(outbound.Secret{}); got != "" {
		t.Errorf("empty secret prints as %q", got)
	}
}

func TestSecretNeverLogs(t *testing.T) {
	t.Parallel()
	a := appWithSecret(t)
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		log := slog.New(h)
		log.Info("created", "secret", a.ClientSecret, "app", a, "appPtr", &a, "view", a.View("https://x.example"))
		log.Info("patched", slog.Any("patch", AppPatch{ClientSecret: &a.ClientSecret}))
	}
	if strings.Contains(buf.String(), leak) {
		t.Errorf("log shows the secret:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "secret=REDACTED") || !strings.Contains(buf.String(), `"secret":"REDACTED"`) {
		t.Errorf("log does not show REDACTED for the secret:\n%s", buf.String())
	}
}

func TestSecretDecodesFromJSON(t *testing.T) {
	t.Parallel()
	var in TemplateInput
	if err := json.Unmarshal([]byte(`{"clientId":"c","clientSecret":"`+leak+`"}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.ClientSecret.Reveal() != leak || !in.ClientSecret.Equal(outbound.NewSecret(leak)) || in.ClientSecret.Equal(outbound.NewSecret("other")) {
		t.Errorf("decoded secret wrong")
	}
	err := json.Unmarshal([]byte(`{"clientSecret":12345}`), &in)
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) || typ.Field != "clientSecret" || typ.Value != "number" || strings.Contains(err.Error(), "12345") {
		t.Errorf("non-string secret: err %v, want a type error that names the field and not the value", err)
	}
	if err := json.Unmarshal([]byte(`{"clientSecret":null}`), &in); err != nil || !in.ClientSecret.IsZero() {
		t.Errorf("null secret: err %v zero %v", err, in.ClientSecret.IsZero())
	}
}
