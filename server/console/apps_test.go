package console_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store/storetest"
)

const (
	contactsRW = "https://www.googleapis.com/auth/contacts"
	contactsRO = "https://www.googleapis.com/auth/contacts.readonly"
)

func TestGoogleContactsFromTheLibraryWithReadOnlyDefaultsAndAWriteOnlySecret(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	token := b.session()
	ctx := context.Background()

	lib := b.get("/library?q=contacts")
	if !strings.Contains(lib.body, "Google Contacts") || strings.Contains(lib.body, ">Slack<") {
		t.Fatalf("search for contacts: %s", lib.body)
	}
	if p := b.get("/library/google-contacts"); p.status != http.StatusOK || !strings.Contains(p.body, "Client ID") {
		t.Fatalf("template form: %d", p.status)
	}
	const first, second = "first-secret-value-123", "second-secret-value-456"
	p := b.post("/library/google-contacts", url.Values{"_csrf": {token}, "id": {"google-contacts"}, "clientId": {"123.apps.googleusercontent.com"}, "clientSecret": {first}})
	if p.status != http.StatusSeeOther || p.location != "/console/apps/google-contacts?done=created" {
		t.Fatalf("create: %d %q %s", p.status, p.location, p.body)
	}
	page := b.get("/apps/google-contacts")
	for _, want := range []string{"Account information", "https://auth.example.com/v1/oauth/callback/google-contacts", "A secret is set", "developers.google.com/identity/protocols/oauth2/scopes", "Replace secret"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("app page lacks %q", want)
		}
	}

	// Read-only by default: the write scope stays offered, no longer asked for by default.
	app, _ := e.apps.Get(ctx, "google-contacts")
	form := url.Values{"_csrf": {token}, "section": {"account"}, "clientId": {app.ClientID}, "callbackDomain": {""}}
	for i, s := range app.Scopes {
		pre := "scope." + string(rune('0'+i)) + "."
		form.Set(pre+"name", s.Name)
		form.Set(pre+"description", s.Description)
		if s.Name == contactsRO {
			form.Set(pre+"default", "on")
		}
	}
	form.Set("scope.9.name", "") // a blank row is left out
	if p := b.post("/apps/google-contacts", form); p.status != http.StatusSeeOther {
		t.Fatalf("save scopes: %d %s", p.status, p.body)
	}
	app, _ = e.apps.Get(ctx, "google-contacts")
	if !slices.Equal(app.DefaultScopes, []string{contactsRO}) || len(app.Scopes) != 2 {
		t.Errorf("scopes %v, defaults %v", app.Scopes, app.DefaultScopes)
	}

	if p := b.post("/apps/google-contacts/secret", url.Values{"_csrf": {token}, "clientSecret": {second}, "action": {"set"}}); p.status != http.StatusSeeOther {
		t.Fatalf("replace secret: %d", p.status)
	}
	app, _ = e.apps.Get(ctx, "google-contacts")
	if app.ClientSecret.Reveal() != second {
		t.Error("the secret was not replaced")
	}
	all := page.body + b.get("/apps/google-contacts").body + b.get("/apps").body + e.logs.String()
	entries, _ := events.Entries(ctx, e.store)
	for _, en := range entries {
		for _, v := range en.Fields {
			all += v
		}
		if ev, _ := events.Decode(en.Fields); !strings.HasPrefix(ev.Actor, "console:") {
			t.Errorf("event without the console's actor: %v", en.Fields)
		}
	}
	if len(entries) != 3 {
		t.Errorf("%d events, want created and two updates", len(entries))
	}
	for _, s := range []string{first, second} {
		if strings.Contains(all, s) {
			t.Errorf("the secret %q appears in a page, the log or an event", s)
		}
		if keys := storetest.Find(t, e.store, s); len(keys) > 0 {
			t.Errorf("the secret %q is in Redis unsealed: %v", s, keys)
		}
	}
	if p := b.post("/apps/google-contacts/secret", url.Values{"_csrf": {token}, "action": {"clear"}}); p.status != http.StatusSeeOther {
		t.Fatalf("clear secret: %d", p.status)
	}
	if app, _ = e.apps.Get(ctx, "google-contacts"); !app.ClientSecret.IsZero() {
		t.Error("the secret was not cleared")
	}
}

func TestAppFormsShowTheRESTValidationNextToTheField(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	token := b.session()
	p := b.post("/library/custom-oauth2", url.Values{"_csrf": {token}, "id": {"crm"}, "name": {"CRM"}, "clientId": {"c"},
		"authorizationUrl": {"http://crm.example.com/auth"}, "tokenUrl": {"https://crm.example.com/token"}, "clientSecret": {"typed-secret-999"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="f-authorizationUrl-error"`) || !strings.Contains(p.body, `aria-invalid="true"`) {
		t.Fatalf("refused create: %d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "typed-secret-999") {
		t.Error("the typed secret was rendered back")
	}
	if !strings.Contains(p.body, `value="crm"`) {
		t.Error("what was typed is lost")
	}
	p = b.post("/library/custom-apikey", url.Values{"_csrf": {token}, "id": {"keys"}, "name": {"Keys"}, "apiKey.label": {"Key"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("custom API-key app: %d %s", p.status, p.body)
	}
	p = b.post("/apps/keys", url.Values{"_csrf": {token}, "section": {"details"}, "name": {""}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="f-name-error"`) {
		t.Fatalf("empty name: %d %s", p.status, p.body)
	}
	p = b.post("/apps/keys", url.Values{"_csrf": {token}, "section": {"tokens"}, "refresh.marginSeconds": {"soon"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "whole number of seconds") {
		t.Fatalf("bad margin: %d", p.status)
	}
}

func TestDeletingAnAppNeedsItsIdAndSaysWhatGoes(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	token := b.session()
	b.post("/library/custom-apikey", url.Values{"_csrf": {token}, "id": {"keys"}, "name": {"Keys"}, "apiKey.label": {"Key"}})
	if p := b.get("/apps/keys/delete"); !strings.Contains(p.body, "deletes its 0 stored API keys") {
		t.Errorf("confirmation: %s", p.body)
	}
	if p := b.post("/apps/keys/delete", url.Values{"_csrf": {token}, "confirm": {"nope"}}); p.status != http.StatusBadRequest {
		t.Errorf("wrong confirmation: %d", p.status)
	}
	if p := b.post("/apps/keys/delete", url.Values{"_csrf": {token}, "confirm": {"keys"}}); p.status != http.StatusSeeOther {
		t.Errorf("delete: %d", p.status)
	}
	if list, _ := e.apps.List(context.Background()); len(list) != 0 {
		t.Errorf("apps left: %d", len(list))
	}
}

func TestTheLibraryFiltersByCategoryAndKeyword(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	b := e.browser()
	b.session()
	all := b.get("/library").body
	if !strings.Contains(all, `<option value="crm"`) {
		t.Fatalf("no category filter: %s", all)
	}
	crm := b.get("/library?category=crm").body
	if !strings.Contains(crm, "HubSpot") || strings.Contains(crm, ">Slack<") {
		t.Errorf("the crm category: %s", crm)
	}
	if !strings.Contains(all, `src="data:image/svg`) {
		t.Error("the library shows no logos")
	}
}
