package screentext

import (
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
)

// Every language parses strictly and has every key of the default one, and no other.
func TestCatalogsAreComplete(t *testing.T) {
	t.Parallel()
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages() {
		if len(c[lang]) != len(c[Default]) {
			t.Errorf("%s has %d texts, %s %d", lang, len(c[lang]), Default, len(c[Default]))
		}
	}
}

// Numbers and durations follow the language's decimal mark, digit grouping and words.
func TestNumbersFollowTheLanguage(t *testing.T) {
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
		{"en", 0.0001, 3 * time.Hour, "0.0001", "3 hours"},
		{"de", 1234567.891234, time.Minute, "1.234.567,891234", "1 Minute"},
	} {
		if got := Number(tc.lang, tc.n); got != tc.num {
			t.Errorf("%s: Number(%v) = %q, want %q", tc.lang, tc.n, got, tc.num)
		}
		if got := Duration(tc.lang, tc.d); got != tc.dura {
			t.Errorf("%s: Duration(%v) = %q, want %q", tc.lang, tc.d, got, tc.dura)
		}
	}
}

// A reference reads in the language with its arguments put in, formatted where the text says so,
// and arguments that are references themselves read too; other texts stay as they are.
func TestTextReadsReferences(t *testing.T) {
	t.Parallel()
	own := func(lang, s string) string {
		if s == "t:apikey.save" && lang == "de" {
			return "Sichern"
		}
		return s
	}
	for _, tc := range []struct{ lang, s, want string }{
		{"de", actions.BuiltinText("apikey.probe_timeout", "app", "Acme", "timeout", "2.5s"), "Acme hat beim Prüfen dieses Schlüssels nicht innerhalb von 2,5 Sekunden geantwortet. Versuchen Sie es gleich noch einmal."},
		{"de", actions.BuiltinText("apikey.attempts", "n", "1000"), "Noch 1.000 Versuche."},
		{"fr", actions.BuiltinText("apikey.key_empty", "label", actions.BuiltinText("apikey.label")), "Le champ « Clé d’API » est vide."},
		{"ja", actions.BuiltinText("consent.title", "app", "Acme"), "Connect to Acme"},
		{"de", "t:apikey.save", "Sichern"},
		{"es", "t:apikey.save", "Guardar"},
		{"de", "t:tour.welcome", "t:tour.welcome"},
		{"de", "Plain text", "Plain text"},
	} {
		if got := Text(tc.lang, tc.s, own); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.lang, tc.s, got, tc.want)
		}
	}
}

// Languages hands out a copy: changing it does not change the languages the package reads.
func TestLanguagesIsACopy(t *testing.T) {
	t.Parallel()
	got := Languages()
	if len(got) == 0 || got[0] != Default {
		t.Fatalf("Languages() = %v, want %s first", got, Default)
	}
	got[0] = "xx"
	if again := Languages(); again[0] != Default {
		t.Errorf("after changing a returned slice, Languages() = %v", again)
	}
}
