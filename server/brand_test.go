package server_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/outflowhq/outflow/server"
)

func TestBrandColoursAreCheckedForContrast(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		brand server.Brand
		field string
	}{
		{server.Brand{PrimaryColor: "#ffd400"}, "Brand.PrimaryColor"},                              // white on yellow
		{server.Brand{PrimaryColor: "#0b5cad", PrimaryTextColor: "#333333"}, "Brand.PrimaryColor"}, // grey on blue
		{server.Brand{PrimaryColor: "blue"}, "Brand.PrimaryColor"},
		{server.Brand{LogoURL: "http://example.com/logo.png"}, "Brand.LogoURL"},
		{server.Brand{SupportURL: "javascript:alert(1)"}, "Brand.SupportURL"},
	} {
		_, err := server.New(server.Options{Brand: tc.brand})
		var oe *server.OptionsError
		if !errors.As(err, &oe) || oe.Field != tc.field {
			t.Errorf("%+v: %v, want an error for %s", tc.brand, err, tc.field)
		}
	}
	_, err := server.New(server.Options{TenantBrands: map[string]server.Brand{"acme": {PrimaryColor: "#ffd400"}}})
	var oe *server.OptionsError
	if !errors.As(err, &oe) || oe.Field != "TenantBrands[acme].PrimaryColor" {
		t.Errorf("tenant brand: %v", err)
	}
	if _, err := server.New(server.Options{Brand: server.Brand{PrimaryColor: "#ffd400", PrimaryTextColor: "#000000"}}); err != nil {
		t.Errorf("black on yellow is fine: %v", err)
	}
}

func TestPagesWearTheBrand(t *testing.T) {
	t.Parallel()
	url := serve(t, server.Options{Brand: server.Brand{ProductName: "Acme Login", PrimaryColor: "#0b5cad", SupportURL: "https://acme.example/help"}})
	req, _ := http.NewRequest("GET", url+"/no/such/page", nil)
	req.Header.Set("Accept", "text/html")
	r := do(t, http.DefaultClient, req)
	for _, want := range []string{"--brand: #0b5cad; --brand-fg: #ffffff;", "Acme Login", `<a href="https://acme.example/help">Help</a>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %q:\n%s", want, r.body)
		}
	}
	if strings.Contains(r.body, "Secured by Outflow") {
		t.Error("the footer still names Outflow")
	}
}

// An embedder's template replaces a page's block and renders the documented data.
func TestACustomPageTemplateRenders(t *testing.T) {
	t.Parallel()
	custom := fstest.MapFS{"problem.html": {Data: []byte(`{{define "main"}}<h1 class="acme">{{.Title}}</h1><p lang="{{$.Title}}">{{t "page.continue"}}</p>{{end}}`)}}
	url := serve(t, server.Options{PageTemplates: custom, Brand: server.Brand{ProductName: "Acme"}})
	req, _ := http.NewRequest("GET", url+"/no/such/page", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Language", "fr")
	r := do(t, http.DefaultClient, req)
	for _, want := range []string{`<h1 class="acme">Page introuvable</h1>`, "Continuer", `<html lang="fr" dir="ltr">`, "Acme"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the custom page lacks %q:\n%s", want, r.body)
		}
	}
	_, err := server.New(server.Options{PageTemplates: fstest.MapFS{"layout.html": {Data: []byte(`{{define "layout"}}{{.Nope`)}}})
	var oe *server.OptionsError
	if !errors.As(err, &oe) || oe.Field != "PageTemplates" {
		t.Errorf("a broken template: %v", err)
	}
}

// The contrast check covers the colour schemes a brand's pages can show: both when they follow
// the browser, only the forced one otherwise.
func TestBrandColoursAreCheckedInEverySchemeThatShows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		brand       server.Brand
		field, says string
	}{
		{server.Brand{Scheme: "sepia"}, "Brand.Scheme", "auto, light or dark"},
		{server.Brand{PrimaryColor: "#0b5cad", PrimaryColorDark: "#ffd400"}, "Brand.PrimaryColorDark", "in the dark colour scheme, text in #ffffff on #ffd400"},
		{server.Brand{PrimaryColor: "#0b5cad", PrimaryColorDark: "#ffd400", PrimaryTextColorDark: "#999999", Scheme: "dark"}, "Brand.PrimaryColorDark", "set PrimaryTextColorDark to #000000"},
		{server.Brand{PrimaryColor: "#ffd400", PrimaryTextColorDark: "#000000"}, "Brand.PrimaryColor", "in the light colour scheme"},
		{server.Brand{PrimaryColor: "#0b5cad", PrimaryColorDark: "#7d8cff", Scheme: "light"}, "Brand.PrimaryColorDark", "always light"},
		{server.Brand{PrimaryColorDark: "#7d8cff"}, "Brand.PrimaryColor", "is needed with PrimaryColorDark"},
	} {
		_, err := server.New(server.Options{Brand: tc.brand})
		var oe *server.OptionsError
		if !errors.As(err, &oe) || oe.Field != tc.field || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: %v, want an error for %s saying %q", tc.brand, err, tc.field, tc.says)
		}
	}
	for _, ok := range []server.Brand{
		// Pages that are always dark never show the light pair.
		{PrimaryColor: "#ffd400", PrimaryTextColorDark: "#000000", Scheme: "dark"},
		{PrimaryColor: "#0b5cad", PrimaryColorDark: "#7d8cff", PrimaryTextColorDark: "#0f1116"},
		{PrimaryColor: "#0b5cad", Scheme: "light"},
	} {
		if _, err := server.New(server.Options{Brand: ok}); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

// A forced scheme is on every page of the brand (<html data-scheme>), a tenant's its own; the
// dark primary colours apply where the dark scheme shows.
func TestPagesWearTheBrandsScheme(t *testing.T) {
	t.Parallel()
	url := serve(t, server.Options{Brand: server.Brand{PrimaryColor: "#0b5cad", PrimaryColorDark: "#7d8cff", PrimaryTextColorDark: "#0f1116", Scheme: "dark"}})
	req, _ := http.NewRequest("GET", url+"/no/such/page", nil)
	req.Header.Set("Accept", "text/html")
	r := do(t, http.DefaultClient, req)
	for _, want := range []string{`dir="ltr" data-scheme="dark">`, ":root[data-scheme=dark] { --brand: #7d8cff; --brand-fg: #0f1116; }", ":root { --brand: #0b5cad; --brand-fg: #ffffff; }"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %q:\n%s", want, r.body)
		}
	}
	url = serve(t, server.Options{Brand: server.Brand{ProductName: "Acme"}})
	req, _ = http.NewRequest("GET", url+"/no/such/page", nil)
	req.Header.Set("Accept", "text/html")
	if r := do(t, http.DefaultClient, req); strings.Contains(r.body, `data-scheme="`) {
		t.Errorf("a brand without a scheme forces one:\n%.300s", r.body)
	}
}
