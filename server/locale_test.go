package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// The built-in pages speak the browser's language, and say so in <html lang dir>.
func TestPagesSpeakTheBrowsersLanguage(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	for lang, want := range map[string]string{
		"de-DE,de;q=0.9": `<html lang="de" dir="ltr">`,
		"fr":             `<html lang="fr" dir="ltr">`,
		"es-ES":          `<html lang="es" dir="ltr">`,
		"ja":             `<html lang="en" dir="ltr">`,
	} {
		req, _ := http.NewRequest("GET", h.base+"/no/such/page", nil)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Accept-Language", lang)
		r := do(t, http.DefaultClient, req)
		if r.status != http.StatusNotFound || !strings.Contains(r.body, want) {
			t.Errorf("%s: %d, want %s in\n%.400s", lang, r.status, want, r.body)
		}
	}
	req, _ := http.NewRequest("GET", h.base+"/no/such/page", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Language", "de")
	if r := do(t, http.DefaultClient, req); !strings.Contains(r.body, "Seite nicht gefunden") || !strings.Contains(r.body, "Gesichert durch Outflow") {
		t.Errorf("German 404 page:\n%s", r.body)
	}
}

// A flow's locale input wins over the browser's language.
func TestWaitingPageInTheFlowsLocale(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	_, link := h.start("approval", `{"userId":"u1"}`)
	b := h.browser()
	b.get(b.get(link).location)
	after := b.submit("ask", nil)
	req, _ := http.NewRequest("GET", h.base+after.location+"?locale=fr", nil)
	req.Header.Set("Accept-Language", "de")
	page := do(t, b.c, req)
	if !strings.Contains(page.body, `lang="fr"`) || !strings.Contains(page.body, "En attente d’une réponse") || !strings.Contains(page.body, "02/07/2026") {
		t.Errorf("waiting page:\n%s", page.body)
	}
}
