package apps

import (
	"errors"
	"strings"
	"testing"
)

const exampleAppsFile = `apps:
  - id: google-contacts
    template: google-contacts
    clientId: 1234.apps.googleusercontent.com
    clientSecretEnv: GOOGLE_CLIENT_SECRET
    variables: {}
    overrides: {defaultScopes: [https://www.googleapis.com/auth/contacts.readonly]}
  - id: internal-crm
    kind: oauth2
    name: Internal CRM
    clientId: crm-client
    clientSecretEnv: CRM_SECRET
    authorizationUrl: https://crm.example.com/oauth/authorize
    tokenUrl: https://crm.example.com/oauth/token
    scopes:
      - {name: contacts, description: Read contacts}
    refresh: {marginSeconds: 120}
  - template: zendesk
    clientId: zd
    clientSecretEnv: ZENDESK_SECRET
    variables: {subdomain: acme}
  - id: openai
    template: openai
`

// testEnv is a getenv over a fixed map.
func testEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var fullEnv = testEnv(map[string]string{
	"GOOGLE_CLIENT_SECRET": "google-secret-value",
	"CRM_SECRET":           "crm-secret-value",
	"ZENDESK_SECRET":       "zendesk-secret-value",
})

func TestParseAppsFile(t *testing.T) {
	t.Parallel()
	specs, err := ParseAppsFile("apps.yaml", []byte(exampleAppsFile), fullEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 4 {
		t.Fatalf("got %d specs, want 4", len(specs))
	}
	g := specs[0]
	if g.ID() != "google-contacts" || g.Template != "google-contacts" || g.Input.ClientID != "1234.apps.googleusercontent.com" ||
		g.Input.ClientSecret.Reveal() != "google-secret-value" || g.Input.Overrides.DefaultScopes == nil ||
		(*g.Input.Overrides.DefaultScopes)[0] != "https://www.googleapis.com/auth/contacts.readonly" {
		t.Errorf("template spec = %+v", g)
	}
	c := specs[1]
	if c.ID() != "internal-crm" || c.Template != "" || *c.Patch.Kind != KindOAuth2 || *c.Patch.Name != "Internal CRM" ||
		c.Patch.ClientSecret.Reveal() != "crm-secret-value" || len(*c.Patch.Scopes) != 1 || *c.Patch.Refresh.MarginSeconds != 120 {
		t.Errorf("custom spec = %+v", c)
	}
	if z := specs[2]; z.ID() != "zendesk" || z.Input.Variables["subdomain"] != "acme" {
		t.Errorf("zendesk spec = %+v", z)
	}
	if o := specs[3]; o.ID() != "openai" || !o.Input.ClientSecret.IsZero() || o.hasSecret() {
		t.Errorf("openai spec = %+v", o)
	}
}

func TestParseAppsFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string // each must appear in the error
	}{
		{"empty", ``, []string{"apps.yaml:1:1: the file is empty"}},
		{"not yaml", "apps: [\n", []string{"apps.yaml:", "invalid YAML"}},
		{"top-level typo", "app:\n  - id: x\n", []string{`apps.yaml:1:1: unknown field "app" at the top of the apps file; the keys are apps and webhooks (did you mean "apps"?)`}},
		{"apps not a list", "apps: {id: x}\n", []string{"apps.yaml:1:7: apps must be a list of apps, not a mapping"}},
		{"second document", "apps: []\n---\napps: []\n", []string{"apps.yaml:2:1: an apps file holds one YAML document"}},
		{"unknown key with suggestion", "apps:\n  - id: crm\n    kind: oauth2\n    clientSecretEnvv: X\n",
			[]string{`apps.yaml:4:5: unknown field "clientSecretEnvv" in app "crm" (did you mean "clientSecretEnv"?)`}},
		{"unknown nested key", "apps:\n  - id: crm\n    refresh: {margin: 3}\n",
			[]string{`apps.yaml:3:15: unknown field "margin" in "refresh" in app "crm"`}},
		{"literal secret", "apps:\n  - id: crm\n    kind: oauth2\n    clientSecret: hunter2hunter2\n",
			[]string{"apps.yaml:4:5: a literal clientSecret is not allowed in an apps file", "clientSecretEnv"}},
		{"literal secret in overrides", "apps:\n  - template: github\n    overrides:\n      clientSecret: hunter2hunter2\n",
			[]string{"apps.yaml:4:7: a literal clientSecret is not allowed"}},
		{"empty env var", "apps:\n  - id: crm\n    kind: oauth2\n    clientSecretEnv: UNSET_SECRET\n",
			[]string{`apps.yaml:4:22: environment variable UNSET_SECRET is empty or not set; it must hold the client secret of app "crm"`}},
		{"bad env var name", "apps:\n  - id: crm\n    clientSecretEnv: 'not a name'\n",
			[]string{"apps.yaml:3:22: clientSecretEnv of app \"crm\" must be an environment variable name"}},
		{"custom without id", "apps:\n  - kind: oauth2\n    name: X\n",
			[]string{`apps.yaml:2:5: missing required field "id" in apps[0]`}},
		{"duplicate id", "apps:\n  - template: github\n  - id: github\n    kind: apikey\n",
			[]string{`apps.yaml:3:5: app "github" is declared twice; the first is at line 2`}},
		{"duplicate key", "apps:\n  - id: crm\n    name: A\n    name: B\n", []string{`apps.yaml:4:5: duplicate key "name" in app "crm"`}},
		{"template setting at the top", "apps:\n  - template: github\n    name: GitHub Eng\n",
			[]string{`apps.yaml:3:5: "name" of a template app goes under overrides`}},
		{"id in overrides", "apps:\n  - template: github\n    overrides: {id: gh}\n", []string{"apps.yaml:3:17: set id at the top"}},
		{"overrides on a custom app", "apps:\n  - id: crm\n    overrides: {}\n", []string{"apps.yaml:2:5: overrides are for template apps"}},
		{"variables on a custom app", "apps:\n  - id: crm\n    variables: {a: b}\n", []string{"apps.yaml:2:5: variables are for template apps"}},
		{"wrong type", "apps:\n  - id: crm\n    pkce: maybe\n", []string{`apps.yaml:3:11: "pkce" in app "crm" must be true or false`}},
		{"entry not a mapping", "apps:\n  - crm\n", []string{"apps.yaml:2:5: apps[0] must be a mapping"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := testEnv(map[string]string{"OTHER": "do-not-print-me"})
			specs, err := ParseAppsFile("apps.yaml", []byte(tc.src), env)
			var fe *AppsFileError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v (%T), specs = %v; want *AppsFileError", err, err, specs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\ndoes not contain\n%s", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2hunter2") || strings.Contains(err.Error(), "do-not-print-me") {
				t.Errorf("the error shows a secret: %s", err)
			}
		})
	}
}

// Every problem of a file is reported at once, in file order.
func TestParseAppsFileReportsAllProblems(t *testing.T) {
	t.Parallel()
	src := "apps:\n  - id: a\n    nmae: A\n  - id: b\n    clientSecret: x\n"
	_, err := ParseAppsFile("apps.yaml", []byte(src), testEnv(nil))
	var fe *AppsFileError
	if !errors.As(err, &fe) || len(fe.Problems) != 2 || fe.Problems[0].Line != 3 || fe.Problems[1].Line != 5 {
		t.Fatalf("problems = %v", err)
	}
}

func TestParseAppsFileUsesProcessEnvironmentByDefault(t *testing.T) {
	t.Setenv("OUTFLOW_TEST_APPS_SECRET", "from-the-environment")
	specs, err := ParseAppsFile("apps.yaml", []byte("apps:\n  - template: github\n    clientId: x\n    clientSecretEnv: OUTFLOW_TEST_APPS_SECRET\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if specs[0].Input.ClientSecret.Reveal() != "from-the-environment" {
		t.Error("the secret was not read from the process environment")
	}
}

// Whatever the input, parsing neither panics nor shows the value of an environment variable.
func FuzzParseAppsFile(f *testing.F) {
	f.Add(exampleAppsFile)
	f.Add("apps:\n  - id: crm\n    clientSecretEnv: CRM_SECRET\n    overrides: {clientSecret: x}\n")
	f.Add("apps: [{template: zendesk, variables: {subdomain: [1]}}]\n")
	f.Fuzz(func(t *testing.T, src string) {
		env := testEnv(map[string]string{"CRM_SECRET": "zz-env-secret-zz", "GOOGLE_CLIENT_SECRET": "zz-env-secret-zz"})
		_, err := ParseAppsFile("apps.yaml", []byte(src), env)
		if err != nil && strings.Contains(err.Error(), "zz-env-secret-zz") {
			t.Errorf("the error shows a secret from the environment: %s", err)
		}
	})
}
