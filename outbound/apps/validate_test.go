package apps

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
)

func ptr[T any](v T) *T { return &v }

// validOAuth2 is a minimal valid custom oauth2 app.
func validOAuth2(t *testing.T) App {
	t.Helper()
	a, err := NewApp(AppPatch{
		ID: ptr("acme-crm"), Kind: ptr(KindOAuth2), Name: ptr("Acme CRM"),
		ClientID: ptr("client-1"), ClientSecret: ptr(outbound.NewSecret("s3cr3t-value")),
		AuthorizationURL: ptr("https://login.acme.example/oauth/authorize"),
		TokenURL:         ptr("https://login.acme.example/oauth/token"),
		Scopes:           &[]Scope{{Name: "read"}, {Name: "write"}},
		DefaultScopes:    &[]string{"read"},
	})
	if err != nil {
		t.Fatalf("valid oauth2 app rejected: %v", err)
	}
	return a
}

// validAPIKey is a minimal valid custom apikey app with a probe.
func validAPIKey(t *testing.T) App {
	t.Helper()
	a, err := NewApp(AppPatch{
		ID: ptr("acme-ai"), Kind: ptr(KindAPIKey), Name: ptr("Acme AI"),
		APIKey: &APIKeyPatch{
			Label:   ptr("Acme AI key"),
			Fields:  &[]ConnectionField{{Name: "account", Label: "Account", Required: true}},
			BaseURL: ptr("https://api.acme.example"),
			Probe:   &ProbePatch{Path: ptr("/v1/accounts/{account}")},
		},
	})
	if err != nil {
		t.Fatalf("valid apikey app rejected: %v", err)
	}
	return a
}

// problemsOf returns field -> message of an *outbound.InvalidError, failing the test for other errors.
func problemsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *outbound.InvalidError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not an *outbound.InvalidError", err, err)
	}
	if !errors.Is(err, ErrInvalidApp) {
		t.Error("an *outbound.InvalidError does not match ErrInvalidApp")
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		if _, dup := out[f.Field]; dup {
			t.Errorf("field %s reported twice", f.Field)
		}
		out[f.Field] = f.Message
	}
	return out
}

func TestValidateReportsOneMessagePerBadField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		base   func(*testing.T) App
		change func(*App)
		want   map[string]string // field -> part of the message
	}{
		{"valid oauth2", validOAuth2, func(*App) {}, nil},
		{"valid apikey", validAPIKey, func(*App) {}, nil},
		{"oauth2 required fields", validOAuth2, func(a *App) {
			a.Name, a.ClientID, a.AuthorizationURL, a.TokenURL = " ", "", "", ""
		}, map[string]string{
			"name": "required", "clientId": "required",
			"authorizationUrl": "unless discoveryUrl", "tokenUrl": "unless discoveryUrl",
		}},
		{"discovery replaces the endpoints", validOAuth2, func(a *App) {
			a.AuthorizationURL, a.TokenURL = "", ""
			a.DiscoveryURL = "https://login.acme.example/.well-known/openid-configuration"
		}, nil},
		{"loopback http is allowed", validOAuth2, func(a *App) {
			a.AuthorizationURL = "http://localhost:8080/authorize"
			a.TokenURL = "http://127.0.0.1:8080/token"
			a.RevocationURL = "http://[::1]:8080/revoke"
		}, nil},
		{"bad URLs", validOAuth2, func(a *App) {
			a.AuthorizationURL = "/oauth/authorize"
			a.TokenURL = "http://login.acme.example/token"
			a.RevocationURL = "https://admin:hunter2@login.acme.example/revoke"
			a.UserInfoURL = "https://login.acme.example/userinfo#me"
			a.Issuer = "https://login.acme.example?tenant=1"
		}, map[string]string{
			"authorizationUrl": "absolute", "tokenUrl": "https",
			"revocationUrl": "user name or password", "userInfoUrl": "fragment", "issuer": "no query",
		}},
		{"link-local addresses are refused", validOAuth2, func(a *App) {
			a.TokenURL = "https://169.254.169.254/latest/meta-data"
			a.RevocationURL = "https://[fe80::1%25eth0]/revoke"
			a.UserInfoURL = "https://[::ffff:169.254.10.1]/userinfo"
		}, map[string]string{"tokenUrl": "link-local", "revocationUrl": "link-local", "userInfoUrl": "link-local"}},
		{"scopes", validOAuth2, func(a *App) {
			a.Scopes = []Scope{{Name: "read"}, {Name: "write"}, {Name: "read"}, {Name: "two words"}}
			a.DefaultScopes = []string{"read", "admin", "read"}
		}, map[string]string{
			"scopes[2].name": "duplicates scopes[0]", "scopes[3].name": "spaces",
			"defaultScopes[1]": "not in scopes", "defaultScopes[2]": "twice",
		}},
		{"default scopes are free when no scopes are listed", validOAuth2, func(a *App) {
			a.Scopes = nil
			a.DefaultScopes = []string{"anything"}
		}, nil},
		{"several bad fields at once", validOAuth2, func(a *App) {
			a.ID = "Bad ID"
			a.AccessType = "offlin"
			a.Prompt = []string{"consent", "bogus"}
			a.ScopeSeparator = ";"
			a.TokenAuthStyle = "basic"
			a.Logo = "ftp://cdn.acme.example/logo.png"
			a.AuthorizationParams = map[string]string{"state": "fixed", "hd": "acme.example"}
			a.TokenParams = map[string]string{"client_secret": "x"}
			a.DefaultRedirectURL = "https://app.acme.example/done#frag"
			a.CallbackDomain = "https://auth.acme.example"
			a.TokenResponsePath = "authed user"
			a.Refresh.MarginSeconds = -1
		}, map[string]string{
			"id": "lowercase", "accessType": "offline, online", "prompt[1]": "not valid",
			"scopeSeparator": `","`, "tokenAuthStyle": "header, params", "logo": "https",
			"authorizationParams.state": "connect flow", "tokenParams.client_secret": "clientSecret",
			"defaultRedirectUrl": "fragment", "callbackDomain": "host name",
			"tokenResponsePath": "dot path", "refresh.marginSeconds": "between 0",
		}},
		{"prompt none stands alone", validOAuth2, func(a *App) {
			a.Prompt = []string{"consent", "none"}
		}, map[string]string{"prompt[1]": "cannot be combined"}},
		{"pkce off needs a secret", validOAuth2, func(a *App) {
			a.PKCE = false
			a.ClientSecret = outbound.Secret{}
		}, map[string]string{"clientSecret": "pkce"}},
		{"redirect URLs", validOAuth2, func(a *App) {
			a.AllowedRedirectURLs = []string{"https://app.acme.example/a", "https://app.acme.example/a", "app.acme.example/b"}
			a.DefaultRedirectURL = "https://app.acme.example/c"
		}, map[string]string{
			"allowedRedirectUrls[1]": "twice", "allowedRedirectUrls[2]": "absolute",
			"defaultRedirectUrl": "not in allowedRedirectUrls",
		}},
		{"data URI logos", validOAuth2, func(a *App) {
			a.Logo = "data:text/html;base64,PGgxPg=="
		}, map[string]string{"logo": "image"}},
		{"a png data URI logo is fine", validOAuth2, func(a *App) {
			a.Logo = "data:image/png;base64,iVBORw0KGgo="
		}, nil},
		{"apiKey block on an oauth2 app", validOAuth2, func(a *App) {
			a.APIKey = &APIKeyConfig{Label: "x"}
		}, map[string]string{"apiKey": "only apikey apps"}},
		{"unknown kind", validOAuth2, func(a *App) { a.Kind = "saml" }, map[string]string{"kind": "oauth2 or apikey"}},
		{"oauth2 fields on an apikey app", validAPIKey, func(a *App) {
			a.ClientID = "x"
			a.Scopes = []Scope{{Name: "read"}}
			a.PKCE = true
		}, map[string]string{"clientId": "only oauth2", "scopes": "only oauth2", "pkce": "only oauth2"}},
		{"apikey required fields", validAPIKey, func(a *App) {
			a.APIKey.Label = ""
			a.APIKey.BaseURL = ""
		}, map[string]string{"apiKey.label": "required", "apiKey.baseUrl": "required with a probe"}},
		{"missing apiKey block", validAPIKey, func(a *App) { a.APIKey = nil }, map[string]string{"apiKey": "required"}},
		{"regular expressions must compile", validAPIKey, func(a *App) {
			a.APIKey.FormatHint = FormatHint{Pattern: "sk-(", Example: "sk-1"}
			a.APIKey.Fields[0].Pattern = "[a-"
		}, map[string]string{
			"apiKey.formatHint.pattern": "regular expression", "apiKey.fields[0].pattern": "regular expression",
		}},
		{"format example must satisfy the hint", validAPIKey, func(a *App) {
			a.APIKey.FormatHint = FormatHint{Prefix: "sk-", Pattern: "sk-[0-9]+", Example: "pk-123"}
		}, map[string]string{"apiKey.formatHint.example": "prefix"}},
		{"probe to another host as a URL", validAPIKey, func(a *App) {
			a.APIKey.Probe.Path = "https://evil.example/v1/models"
		}, map[string]string{"apiKey.probe.path": "not a URL"}},
		{"protocol-relative probe path", validAPIKey, func(a *App) {
			a.APIKey.Probe.Path = "//evil.example/v1/models"
		}, map[string]string{"apiKey.probe.path": "not a URL"}},
		{"probe path without a slash", validAPIKey, func(a *App) {
			a.APIKey.Probe.Path = "evil.example/v1"
		}, map[string]string{"apiKey.probe.path": "starting with /"}},
		{"probe placeholders", validAPIKey, func(a *App) {
			a.APIKey.Probe.Path = "/v1/{region}/x"
			a.APIKey.Probe.KeyIn = KeyInBasic
			a.APIKey.Probe.BasicUsername = "{user}"
		}, map[string]string{"apiKey.probe.path": "{region}", "apiKey.probe.basicUsername": "{user}"}},
		{"placeholders only in the path", validAPIKey, func(a *App) {
			a.APIKey.Probe.Path = "/v1/x?account={account}"
		}, map[string]string{"apiKey.probe.path": "not in the query"}},
		{"probe knobs", validAPIKey, func(a *App) {
			p := a.APIKey.Probe
			p.Method = "POST"
			p.KeyIn = KeyInHeader
			p.QueryParam = "key"
			p.Headers = map[string]string{"Host": "evil.example", "bad header": "x"}
			p.ValidStatuses = []int{200, 999}
			p.TimeoutSeconds = 600
		}, map[string]string{
			"apiKey.probe.method": "GET or HEAD", "apiKey.probe.headerName": "required when keyIn is header",
			"apiKey.probe.queryParam":   "only used when keyIn is query",
			"apiKey.probe.headers.Host": "cannot be set", "apiKey.probe.headers.bad header": "valid header name",
			"apiKey.probe.validStatuses[1]": "100-599", "apiKey.probe.timeoutSeconds": "between 0",
		}},
		{"Authorization header conflicts with bearer", validAPIKey, func(a *App) {
			a.APIKey.Probe.Headers = map[string]string{"authorization": "Token x"}
		}, map[string]string{"apiKey.probe.headers.authorization": "conflicts"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := tc.base(t)
			tc.change(&a)
			got := problemsOf(t, a.Validate())
			if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tc.want))) {
				t.Fatalf("fields with problems = %v\nwant %v", got, slices.Sorted(maps.Keys(tc.want)))
			}
			for field, part := range tc.want {
				if !strings.Contains(got[field], part) {
					t.Errorf("%s: message %q does not contain %q", field, got[field], part)
				}
			}
		})
	}
}

func TestValidationMessagesNeverEchoSecrets(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	a.RevocationURL = "https://admin:hunter2@login.acme.example/revoke"
	a.PKCE = false
	a.ClientID = ""
	err := a.Validate()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, secret := range []string{"hunter2", "s3cr3t-value"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	a.Name = ""
	a.ClientID = ""
	err := a.Validate()
	want := "apps: invalid app: name: required: the name shown to users, for example Google Contacts; " +
		"clientId: required: the client id the provider issued when you registered the app"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant   %s", err, want)
	}
}
