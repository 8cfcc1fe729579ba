package apps

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
)

func TestPatchRefusesChangingIDOrKind(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	got, err := AppPatch{ID: ptr("acme-crm-2"), Kind: ptr(KindAPIKey), Name: ptr("Renamed")}.Apply(a)
	probs := problemsOf(t, err)
	const want = "cannot be changed after creation; create a new app instead"
	if probs["id"] != want || probs["kind"] != want {
		t.Errorf("problems = %v, want id and kind: %q", probs, want)
	}
	if !reflect.DeepEqual(got, a) {
		t.Error("a refused patch changed the app")
	}
	if err.Error() != "apps: invalid app: id: "+want+"; kind: "+want {
		t.Errorf("error text = %q", err)
	}

	// Sending the same id and kind back is fine.
	same, err := AppPatch{ID: ptr(a.ID), Kind: ptr(a.Kind), Name: ptr("Renamed")}.Apply(a)
	if err != nil || same.Name != "Renamed" {
		t.Errorf("patch with unchanged id: name %q err %v", same.Name, err)
	}
}

func TestPatchClientSecret(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)

	kept, err := AppPatch{Name: ptr("New name")}.Apply(a)
	if err != nil || kept.ClientSecret.Reveal() != "s3cr3t-value" {
		t.Errorf("absent secret: got %q err %v, want the old secret kept", kept.ClientSecret.Reveal(), err)
	}

	replaced, err := AppPatch{ClientSecret: ptr(outbound.NewSecret("rotated"))}.Apply(a)
	if err != nil || replaced.ClientSecret.Reveal() != "rotated" {
		t.Errorf("new secret: got %q err %v", replaced.ClientSecret.Reveal(), err)
	}

	_, err = AppPatch{ClientSecret: ptr(outbound.NewSecret(""))}.Apply(a)
	if msg := problemsOf(t, err)["clientSecret"]; !strings.Contains(msg, "omit it to keep the current secret") {
		t.Errorf("empty secret: message %q", msg)
	}

	cleared, err := AppPatch{ClearClientSecret: true}.Apply(a)
	if err != nil || !cleared.ClientSecret.IsZero() {
		t.Errorf("clearClientSecret with pkce on: err %v, secret zero %v", err, cleared.ClientSecret.IsZero())
	}
	_, err = AppPatch{ClearClientSecret: true, PKCE: ptr(false)}.Apply(a)
	if msg := problemsOf(t, err)["clientSecret"]; !strings.Contains(msg, "pkce") {
		t.Errorf("clearing the secret with pkce off: message %q", msg)
	}
}

func TestPatchFromJSONMergesAndLeavesTheRestAlone(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	a.AuthorizationParams = map[string]string{"hd": "acme.example", "include_granted_scopes": "true"}
	a.Description = "kept"

	body := `{
		"name": "Acme CRM (EU)",
		"clientSecret": "from-json",
		"authorizationParams": {"hd": "eu.acme.example", "include_granted_scopes": null, "login_hint": "x"},
		"defaultScopes": ["write"],
		"refresh": {"rotatesRefreshToken": true}
	}`
	var p AppPatch
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	got, err := p.Apply(a)
	if err != nil {
		t.Fatal(err)
	}
	want := a.Clone()
	want.Name = "Acme CRM (EU)"
	want.ClientSecret = outbound.NewSecret("from-json")
	want.AuthorizationParams = map[string]string{"hd": "eu.acme.example", "login_hint": "x"}
	want.DefaultScopes = []string{"write"}
	want.Refresh.RotatesRefreshToken = true
	if !reflect.DeepEqual(got, want) {
		t.Errorf("patched app\n got %+v\nwant %+v", got, want)
	}
}

func TestPatchZeroRestoresDefaultsAndEmptyListClears(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	a.Refresh.MarginSeconds = 60
	got, err := AppPatch{
		Refresh: &RefreshPolicyPatch{MarginSeconds: ptr(0)},
		Scopes:  &[]Scope{},
	}.Apply(a)
	if err != nil {
		t.Fatal(err)
	}
	if got.Refresh.MarginSeconds != DefaultRefreshMarginSeconds {
		t.Errorf("margin %d, want the default %d", got.Refresh.MarginSeconds, DefaultRefreshMarginSeconds)
	}
	if got.Scopes != nil {
		t.Errorf("scopes %v, want cleared", got.Scopes)
	}
}

func TestPatchValidatesTheResult(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	_, err := AppPatch{TokenURL: ptr("http://login.acme.example/token"), ID: ptr("other")}.Apply(a)
	probs := problemsOf(t, err)
	if _, ok := probs["tokenUrl"]; !ok {
		t.Errorf("invalid token URL accepted: %v", probs)
	}
	if _, ok := probs["id"]; !ok {
		t.Errorf("id change not reported together with other problems: %v", probs)
	}
}

func TestPatchAPIKeyProbe(t *testing.T) {
	t.Parallel()
	a := validAPIKey(t)
	got, err := AppPatch{APIKey: &APIKeyPatch{Probe: &ProbePatch{
		KeyIn: ptr(KeyInHeader), HeaderName: ptr("x-api-key"),
		Headers: map[string]*string{"x-version": ptr("2")},
	}}}.Apply(a)
	if err != nil {
		t.Fatal(err)
	}
	p := got.APIKey.Probe
	if p.Path != "/v1/accounts/{account}" || p.KeyIn != KeyInHeader || p.HeaderName != "x-api-key" || p.Headers["x-version"] != "2" {
		t.Errorf("probe after patch = %+v", p)
	}
	if a.APIKey.Probe.KeyIn != KeyInBearer {
		t.Error("Apply changed the original app")
	}
	removed, err := AppPatch{APIKey: &APIKeyPatch{RemoveProbe: true}}.Apply(a)
	if err != nil || removed.APIKey.Probe != nil {
		t.Errorf("removeProbe: probe %+v err %v", removed.APIKey.Probe, err)
	}
}

func TestNewAppDefaults(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	if !a.PKCE || a.ScopeSeparator != " " || a.Refresh.MarginSeconds != 300 || a.Refresh.FallbackLifetimeSeconds != 3600 {
		t.Errorf("oauth2 defaults: pkce %v sep %q refresh %+v", a.PKCE, a.ScopeSeparator, a.Refresh)
	}
	k := validAPIKey(t)
	p := k.APIKey.Probe
	if k.PKCE || p.Method != "GET" || p.KeyIn != KeyInBearer || p.TimeoutSeconds != 5 ||
		k.APIKey.OverlapSeconds != 86400 || k.APIKey.MaxAttempts != 5 {
		t.Errorf("apikey defaults: pkce %v probe %+v key %+v", k.PKCE, p, k.APIKey)
	}
	off, err := NewApp(AppPatch{
		ID: ptr("public-client"), Kind: ptr(KindOAuth2), Name: ptr("P"), ClientID: ptr("c"),
		ClientSecret: ptr(outbound.NewSecret("s")), PKCE: ptr(false),
		DiscoveryURL: ptr("https://idp.example/.well-known/openid-configuration"),
	})
	if err != nil || off.PKCE {
		t.Errorf("pkce false in the create body: pkce %v err %v", off.PKCE, err)
	}
	_, err = NewApp(AppPatch{Name: ptr("no id")})
	if probs := problemsOf(t, err); probs["id"] == "" || probs["kind"] == "" {
		t.Errorf("create without id and kind: %v", probs)
	}
}

// Remove is what null means in a JSON merge patch: the field gets its default again; a name
// that is no field of an app, or the id, is a problem and changes nothing.
func TestPatchRemoveRestoresDefaults(t *testing.T) {
	t.Parallel()
	a := validOAuth2(t)
	a.Logo, a.ScopeSeparator, a.PKCE, a.Refresh.MarginSeconds = "https://crm.example.com/logo.png", ",", false, 5
	got, err := AppPatch{Remove: []string{"logo", "scopeSeparator", "pkce", "refresh.marginSeconds", "clientSecret"}}.Apply(a)
	fresh := validOAuth2(t)
	def := fresh.WithDefaults()
	if err != nil || got.Logo != "" || got.ScopeSeparator != def.ScopeSeparator || !got.PKCE ||
		got.Refresh.MarginSeconds != def.Refresh.MarginSeconds || !got.ClientSecret.IsZero() {
		t.Errorf("after Remove: %+v, %v", got, err)
	}
	if a.Logo == "" || a.ClientSecret.IsZero() {
		t.Error("Remove changed the app it was applied to")
	}
	_, err = AppPatch{Remove: []string{"id", "refresh.nope"}}.Apply(a)
	if probs := problemsOf(t, err); probs["id"] != "cannot be removed" || probs["refresh.nope"] != "is not a field of an app" {
		t.Errorf("problems = %v", probs)
	}
}
