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

// Numbers and durations on the pages follow the language's decimal mark, digit grouping and
// words.
func TestPageNumbersFollowTheLanguage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang      string
		n         float64
		d         time.Duration
		num, dura string
	}{
		{"en", 1234567.5, 90 * time.Second, "1,234,567.5", "90 seconds"},
		{"de", 1234567.5, 1500 * time.Millisecond, "1.234.567,5", "1,5 Sekunden"},
		{"fr", 1234567.5, 2 * time.Minute, "1\u00a0234\u00a0567,5", "2 minutes"},
		{"es", 1234567.5, time.Hour, "1.234.567,5", "1 hora"},
		{"es", 1234, time.Second, "1.234", "1 segundo"},
	} {
		l := pageCatalog.byLang[tc.lang]
		if got := l.Number(tc.n); got != tc.num {
			t.Errorf("%s: Number(%v) = %q, want %q", tc.lang, tc.n, got, tc.num)
		}
		if got := l.Duration(tc.d); got != tc.dura {
			t.Errorf("%s: Duration(%v) = %q, want %q", tc.lang, tc.d, got, tc.dura)
		}
	}
	// A built-in screen's text puts them in through {name,number} and {name,duration}.
	de := pageCatalog.byLang["de"]
	if got := de.builtin("t:apikey.probe_timeout?app=Acme&timeout=2.5s", nil); got != "Acme hat beim Prüfen dieses Schlüssels nicht innerhalb von 2,5 Sekunden geantwortet. Versuchen Sie es gleich noch einmal." {
		t.Errorf("probe timeout in German: %q", got)
	}
	if got := de.builtin("t:apikey.attempts?n=1000", nil); got != "Noch 1.000 Versuche." {
		t.Errorf("attempts in German: %q", got)
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
