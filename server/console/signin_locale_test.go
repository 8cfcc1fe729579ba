package console_test

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The sign-in page speaks the browser's language, says so in <html lang>, and refuses a wrong key
// in it; in German, French and Spanish no English text of it is left.
func TestSignInSpeaksTheBrowsersLanguage(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	src, err := os.ReadFile("locales/en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var english map[string]string
	if err := yaml.Unmarshal(src, &english); err != nil {
		t.Fatal(err)
	}
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	visible := func(p string) string {
		return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(p, " "))), " ")
	}
	for accept, want := range map[string][]string{
		"en-GB,en;q=0.9":  {`lang="en"`, "Sign in to the console", "Management key", "That is not a management key of this server."},
		"de-DE,de;q=0.9":  {`lang="de"`, "Bei der Konsole anmelden", "Verwaltungsschlüssel", "Das ist kein Verwaltungsschlüssel dieses Servers."},
		"fr-CA":           {`lang="fr"`, "Se connecter à la console", "Clé d’administration", "Ce n’est pas une clé d’administration de ce serveur."},
		"es-419,es;q=0.8": {`lang="es"`, "Iniciar sesión en la consola", "Clave de administración", "Esa no es una clave de administración de este servidor."},
	} {
		b := e.browser()
		req, _ := http.NewRequest(http.MethodGet, e.url+"/sign-in", nil)
		req.Header.Set("Accept-Language", accept)
		form := b.do(req)
		body := url.Values{"_csrf": {csrf(t, form)}, "key": {"not-the-key"}, "next": {"/console/apps"}}
		req, _ = http.NewRequest(http.MethodPost, e.url+"/sign-in", strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.url)
		req.Header.Set("Accept-Language", accept)
		refused := b.do(req)
		if refused.status != http.StatusUnauthorized {
			t.Fatalf("%s: wrong key answered %d", accept, refused.status)
		}
		page := form.body + refused.body
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the sign-in pages lack %q:\n%s", accept, w, page)
			}
		}
		if strings.HasPrefix(accept, "en") {
			continue
		}
		text := visible(page)
		for key, s := range english {
			if strings.Contains(text, s) {
				t.Errorf("%s: the sign-in page shows the English %s %q:\n%s", accept, key, s, text)
			}
		}
	}
}
