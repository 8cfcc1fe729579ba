package server

import (
	"net/http/httptest"
	"testing"
	"time"
)

// Every language of the hosted pages parses strictly and has every key of the default one, and no
// other.
func TestPageCatalogsAreComplete(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.byLang) != 4 {
		t.Fatalf("languages %v, want en, de, fr and es", c.byLang)
	}
}

func TestPageLanguageIsMatched(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ explicit, accept, want string }{
		{"", "", "en"},
		{"", "de-CH, en;q=0.5", "de"},
		{"", "fr-CA", "fr"},
		{"", "es-419,es;q=0.9", "es"},
		{"", "ja, pt-BR", "en"},
		{"fr", "de", "fr"},
		{"xx-not-a-tag", "es", "es"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", tc.accept)
		if got := localeOf(r, tc.explicit).Lang; got != tc.want {
			t.Errorf("locale %q, Accept-Language %q: got %s, want %s", tc.explicit, tc.accept, got, tc.want)
		}
	}
}

func TestPageDatesFollowTheLanguage(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 24, 18, 30, 0, 0, time.UTC)
	for lang, want := range map[string]string{"en": "Dec 24, 2026, 6:30 PM UTC", "de": "24.12.2026, 18:30 UTC", "fr": "24/12/2026 18:30 UTC"} {
		if got := pageCatalog.byLang[lang].DateTime(at); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// A tenant's pages wear its own brand; other tenants and users without one wear the server's.
func TestTenantsWearTheirOwnBrand(t *testing.T) {
	t.Parallel()
	s := &Server{opts: Options{Brand: Brand{ProductName: "Acme"}, TenantBrands: map[string]Brand{"globex": {ProductName: "Globex", PrimaryColor: "#ffd400", PrimaryTextColor: "#000000"}}}}
	if got := s.brandFor("globex"); got == nil || got.Name != "Globex" || string(got.CSS) != "--brand: #ffd400; --brand-fg: #000000;" {
		t.Errorf("globex: %+v", got)
	}
	for _, tenant := range []string{"", "initech"} {
		if got := s.brandFor(tenant); got == nil || got.Name != "Acme" || got.CSS != "" {
			t.Errorf("%q: %+v", tenant, got)
		}
	}
	if got := (&Server{}).brandFor("x"); got != nil {
		t.Errorf("no brand: %+v", got)
	}
}

// A tenant's forced scheme is its own.
func TestTenantsForceTheirOwnScheme(t *testing.T) {
	t.Parallel()
	s := &Server{opts: Options{Brand: Brand{ProductName: "Acme", Scheme: SchemeAuto}, TenantBrands: map[string]Brand{"globex": {ProductName: "Globex", Scheme: SchemeLight}}}}
	if got := s.brandFor("globex"); got == nil || got.Scheme != "light" {
		t.Errorf("globex: %+v", got)
	}
	if got := s.brandFor("initech"); got == nil || got.Scheme != "" {
		t.Errorf("initech: %+v", got)
	}
}
