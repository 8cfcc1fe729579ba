package server_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// builtinScreensFlow shows the consent scope choice, then the API-key form, in the language its
// locale input names.
const builtinScreensFlow = `
id: builtin-screens
inputs:
  locale: {type: string, default: ""}
steps:
  connect:
    action: outbound.connect
    with: {app: crm, chooseScopes: true}
    on: {connected: key, denied: key, error: key, skipped: key}
  key:
    action: apikey.collect
    with: {app: keys}
    on: {stored: done, cancelled: done, invalid: done}
  done:
    end: {output: {}}
`

// setupBuiltinScreens serves the consent scope choice and the API-key form: an OAuth app with
// scopes, and an API-key app whose probe refuses every key and that takes an extra field with a
// pattern.
func setupBuiltinScreens(t *testing.T) *hosted {
	t.Helper()
	ts := httptest.NewServer(nil)
	t.Cleanup(ts.Close)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	t.Cleanup(refuse.Close)
	str := func(s string) *string { return &s }
	oauthKind, keyKind := apps.KindOAuth2, apps.KindAPIKey
	secret := outbound.NewSecret("cs")
	three := 3
	st := newStack(t, stackOptions{publicURL: ts.URL, apps: []apps.AppPatch{{
		ID: str("crm"), Kind: &oauthKind, Name: str("Acme CRM"), ClientID: str("cid"), ClientSecret: &secret,
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str("https://crm.example.com/token"),
		Scopes: &[]apps.Scope{{Name: "contacts.read"}, {Name: "contacts.write", Optional: true}},
	}, {
		ID: str("keys"), Kind: &keyKind, Name: str("Acme"),
		APIKey: &apps.APIKeyPatch{
			Label: str("Acme-Token"), FormatHint: &apps.FormatHintPatch{Prefix: str("ak_")},
			BaseURL: str(refuse.URL), Probe: &apps.ProbePatch{Path: str("/me")}, MaxAttempts: &three,
			Fields: &[]apps.ConnectionField{{Name: "ws", Label: "Workspace", Pattern: `ws_[0-9]+`, Placeholder: "ws_42"}},
		},
	}}, flows: map[string]string{"builtin-screens.yaml": builtinScreensFlow}})
	opts := st.options(hostedKey)
	opts.PublicURL, opts.PageSecret = ts.URL, []byte("page secret")
	ts.Config.Handler = newServer(t, opts)
	return &hosted{t: t, origin: ts.URL, base: ts.URL, tlsClient: ts.Client(), store: st.store, eng: st.engine,
		api: client{t: t, url: ts.URL, key: hostedKey, http: &http.Client{CheckRedirect: noRedirects.CheckRedirect}}}
}

// builtinScreenPages walks the flow in lang and returns the visible text of each page: the
// scope choice, the scope choice without its required scope, the key form, the form after a workspace that does not match its pattern, after a
// key of the wrong shape, and after a well-formed key the app refuses.
func builtinScreenPages(t *testing.T, h *hosted, lang string) map[string]string {
	t.Helper()
	_, link := h.start("builtin-screens", `{"userId":"u1","input":{"locale":"`+lang+`"}}`)
	b := h.browser()
	pages := map[string]string{}
	pages["scopes"] = b.get(b.get(link).location).body
	after := b.submit("connect", url.Values{"scope_1": {"on"}}) // the required scope left out
	pages["scopes-refused"] = b.get(after.location).body
	after = b.submit("not_now", nil)
	pages["key"] = b.get(after.location).body
	after = b.submit("save", url.Values{"apiKey": {"ak_well_formed"}, "ws": {"nope"}})
	pages["field-format"] = b.get(after.location).body
	after = b.submit("save", url.Values{"apiKey": {"sk-wrong-shape"}, "ws": {"ws_7"}})
	pages["key-format"] = b.get(after.location).body
	after = b.submit("save", url.Values{"apiKey": {"ak_well_formed_but_refused"}, "ws": {"ws_7"}})
	pages["key-refused"] = b.get(after.location).body
	for name, p := range pages {
		if !strings.Contains(p, `<html lang="`+lang+`"`) {
			t.Fatalf("%s page in %s:\n%s", name, lang, p)
		}
		// The messages say why a key was refused without quoting it.
		for _, key := range []string{"ak_well_formed", "sk-wrong-shape", "ak_well_formed_but_refused"} {
			if strings.Contains(p, key) {
				t.Errorf("the %s page in %s shows the key %q", name, lang, key)
			}
		}
		pages[name] = visibleText(p)
	}
	return pages
}

var (
	tags          = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	placeholders  = regexp.MustCompile(`\{[a-z]+(,[a-z]+)?\}`)
	hasEnoughWord = regexp.MustCompile(`[A-Za-z]{3,}`)
)

// visibleText is the text a page shows: no tags, entities read.
func visibleText(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(page, " "))), " ")
}

// englishFragments are the English texts of the built-in screens and pages, cut at their
// placeholders: none of them may show on a page in lang, but for the words lang shares with
// English ("optional" is German too).
func englishFragments(t *testing.T, lang string) []string {
	t.Helper()
	en := map[string]string{}
	for _, file := range []string{"locales/en.yaml", "../actions/screentext/locales/en.yaml"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(src, &en); err != nil {
			t.Fatal(err)
		}
	}
	shared := map[string]map[string]bool{"de": {"optional": true}}
	var out []string
	for key, text := range en {
		if !strings.HasPrefix(key, "consent.") && !strings.HasPrefix(key, "apikey.") && !strings.HasPrefix(key, "page.") && !strings.HasPrefix(key, "unit.") && !strings.HasPrefix(key, "field.") {
			continue
		}
		for _, frag := range placeholders.Split(text, -1) {
			frag = strings.Trim(frag, " .,;:()\"")
			if hasEnoughWord.MatchString(frag) && !shared[lang][frag] {
				out = append(out, frag)
			}
		}
	}
	return out
}

// The consent scope choice and the API-key form speak the reader's language: their headings,
// labels, hints, buttons and the messages of a refused key, with numbers formatted for it; in
// German, French and Spanish no English text of theirs is left.
func TestBuiltinScreensSpeakTheReadersLanguage(t *testing.T) {
	t.Parallel()
	h := setupBuiltinScreens(t)
	en := builtinScreenPages(t, h, "en")
	want := map[string]map[string][]string{
		"en": {
			"scopes":         {"Connect to Acme CRM", "Connect", "Not now", "optional"},
			"scopes-refused": {"contacts.read must be checked."},
			"key":            {"Connect Acme", "Acme-Token", "Paste your Acme-Token. We check it with Acme", "It starts with ak_.", "Save", "Cancel"},
			"key-format":     {`The Acme-Token should start with "ak_".`, "2 attempts left."},
			"field-format":   {"Workspace does not have the expected format, for example ws_42."},
			"key-refused":    {"Acme did not accept this key (HTTP 401). Check it and try again.", "One attempt left."},
		},
		"de": {
			"scopes":         {"Mit Acme CRM verbinden", "Verbinden", "Nicht jetzt", "optional"},
			"scopes-refused": {"Das Feld „contacts.read“ muss angekreuzt sein."},
			"key":            {"Acme verbinden", "Wir prüfen ihn bei Acme", "Er beginnt mit ak_.", "Speichern", "Abbrechen"},
			"key-format":     {"Das Feld „Acme-Token“ sollte mit „ak_“ beginnen.", "Noch 2 Versuche."},
			"field-format":   {"Das Feld „Workspace“ hat nicht das erwartete Format, zum Beispiel ws_42."},
			"key-refused":    {"Acme hat diesen Schlüssel nicht angenommen (HTTP 401).", "Noch ein Versuch."},
		},
		"fr": {
			"scopes":         {"Se connecter à Acme CRM", "Pas maintenant", "facultatif"},
			"scopes-refused": {"Le champ « contacts.read » doit être coché."},
			"key":            {"Connecter Acme", "Nous la vérifions auprès de Acme", "Elle commence par ak_.", "Enregistrer", "Annuler"},
			"key-format":     {"Le champ « Acme-Token » devrait commencer par « ak_ ».", "Plus que 2 tentatives."},
			"field-format":   {"Le champ « Workspace » n’a pas le format attendu, par exemple ws_42."},
			"key-refused":    {"Acme n’a pas accepté cette clé (HTTP 401).", "Plus qu’une tentative."},
		},
		"es": {
			"scopes":         {"Conectar con Acme CRM", "Ahora no", "opcional"},
			"scopes-refused": {"El campo «contacts.read» debe estar marcado."},
			"key":            {"Conectar Acme", "La comprobamos con Acme", "Empieza por ak_.", "Guardar", "Cancelar"},
			"key-format":     {"El campo «Acme-Token» debería empezar por «ak_».", "Quedan 2 intentos."},
			"field-format":   {"El campo «Workspace» no tiene el formato esperado, por ejemplo ws_42."},
			"key-refused":    {"Acme no aceptó esta clave (HTTP 401).", "Queda un intento."},
		},
	}
	for _, lang := range []string{"en", "de", "fr", "es"} {
		pages := en
		if lang != "en" {
			pages = builtinScreenPages(t, h, lang)
		}
		for name, texts := range want[lang] {
			for _, s := range texts {
				if !strings.Contains(pages[name], s) {
					t.Errorf("%s %s page lacks %q:\n%s", lang, name, s, pages[name])
				}
			}
			if lang == "en" {
				continue
			}
			for _, frag := range englishFragments(t, lang) {
				if regexp.MustCompile(`\b` + regexp.QuoteMeta(frag) + `\b`).MatchString(pages[name]) {
					t.Errorf("%s %s page shows the English %q:\n%s", lang, name, frag, pages[name])
				}
			}
		}
	}
}
