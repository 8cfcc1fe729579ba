package apps

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCallbackURL(t *testing.T) {
	t.Parallel()
	a := App{ID: "google-contacts"}
	tests := []struct {
		domain, base, want string
	}{
		{"", "https://auth.example.com", "https://auth.example.com/v1/oauth/callback/google-contacts"},
		{"", "https://auth.example.com/", "https://auth.example.com/v1/oauth/callback/google-contacts"},
		{"", "https://example.com/outflow", "https://example.com/outflow/v1/oauth/callback/google-contacts"},
		{"connect.example.com", "https://auth.example.com", "https://connect.example.com/v1/oauth/callback/google-contacts"},
	}
	for _, tc := range tests {
		a.CallbackDomain = tc.domain
		if got := a.CallbackURL(tc.base); got != tc.want {
			t.Errorf("domain %q base %q: %s, want %s", tc.domain, tc.base, got, tc.want)
		}
	}
	other := App{ID: "gmail"}
	if other.CallbackURL("https://auth.example.com") == a.CallbackURL("https://auth.example.com") {
		t.Error("two apps share a callback URL")
	}
}

func TestViewJSON(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	out, err := json.Marshal(a.View("https://auth.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got["callbackUrl"] != "https://auth.example.com/v1/oauth/callback/acme-crm" || got["hasClientSecret"] != true ||
		got["id"] != "acme-crm" || got["pkce"] != true {
		t.Errorf("view JSON = %s", out)
	}
	if _, ok := got["clientSecret"]; ok {
		t.Errorf("view JSON has clientSecret: %s", out)
	}

	k := validAPIKey(t)
	out, _ = json.Marshal(k.View("https://auth.example.com"))
	if strings.Contains(string(out), "callbackUrl") || !strings.Contains(string(out), `"hasClientSecret":false`) {
		t.Errorf("apikey view JSON = %s", out)
	}
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	a := validAPIKey(t)
	a.APIKey.Probe.Headers = map[string]string{"x": "1"}
	c := a.Clone()
	c.APIKey.Label = "changed"
	c.APIKey.Probe.Headers["x"] = "2"
	c.APIKey.Fields[0].Name = "changed"
	if a.APIKey.Label == "changed" || a.APIKey.Probe.Headers["x"] != "1" || a.APIKey.Fields[0].Name == "changed" {
		t.Error("changing a clone changed the original")
	}
}

func TestCheckKey(t *testing.T) {
	t.Parallel()
	k := &APIKeyConfig{Label: "OpenAI API key", FormatHint: FormatHint{Prefix: "sk-", Pattern: "sk-[A-Za-z0-9]{8,}", Example: "sk-abc12345"}}
	tests := map[string]string{
		"sk-abcdef123456":     "",
		"":                    "empty",
		" sk-abcdef123456":    "spaces",
		"pk-abcdef123456":     `should start with "sk-"`,
		"sk-short":            "should look like sk-abc12345",
		"sk-abcdef123456\x00": "control characters",
	}
	for key, want := range tests {
		err := k.CheckKey(key)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: unexpected %v", key, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrKeyFormat)):
			t.Errorf("%q: err %v, want %q", key, err, want)
		case err != nil && key != "" && strings.Contains(err.Error(), strings.TrimSpace(key)):
			t.Errorf("%q: error shows the key: %v", key, err)
		}
	}
}

func TestCheckFields(t *testing.T) {
	t.Parallel()
	k := &APIKeyConfig{Fields: []ConnectionField{
		{Name: "accountSid", Label: "Account SID", Required: true, Pattern: "AC[0-9a-f]{4}", Placeholder: "AC1234"},
		{Name: "region", Label: "Region", Options: []string{"us", "eu"}},
	}}
	if err := k.CheckFields(map[string]string{"accountSid": "ACbeef", "region": "eu"}); err != nil {
		t.Errorf("good fields: %v", err)
	}
	probs := problemsOf(t, k.CheckFields(map[string]string{"accountSid": "XX", "region": "asia", "colour": "x"}))
	if !strings.Contains(probs["fields.accountSid"], "AC1234") || !strings.Contains(probs["fields.region"], "us, eu") ||
		!strings.Contains(probs["fields.colour"], "unknown") || len(probs) != 3 {
		t.Errorf("problems = %v", probs)
	}
	probs = problemsOf(t, k.CheckFields(nil))
	if !strings.Contains(probs["fields.accountSid"], "required") || len(probs) != 1 {
		t.Errorf("problems = %v", probs)
	}
}
