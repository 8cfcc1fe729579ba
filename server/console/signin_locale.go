package console

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
	"path"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// The languages of the sign-in page; the first is the default. The console's other pages are
// for operators and stay in English.
var signInLanguages = []language.Tag{language.English, language.German, language.French, language.Spanish}

//go:embed locales/*.yaml
var localeFiles embed.FS

// signInTexts are the sign-in page's texts per language ("en", "de", ...).
var signInTexts = func() map[string]map[string]string {
	out, err := loadSignInTexts()
	if err != nil {
		panic(err) // the files are embedded; TestSignInTextsAreComplete holds them right
	}
	return out
}()

var signInMatcher = language.NewMatcher(signInLanguages)

// loadSignInTexts reads every language strictly; each must have exactly the default's keys.
func loadSignInTexts() (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	var base map[string]string
	for _, tag := range signInLanguages {
		b, _ := tag.Base()
		name := path.Join("locales", b.String()+".yaml")
		src, err := localeFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("console: read %s: %w", name, err)
		}
		msgs := map[string]string{}
		if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&msgs); err != nil {
			return nil, fmt.Errorf("console: %s: %w", name, err)
		}
		if base == nil {
			base = msgs
		}
		for k := range base {
			if msgs[k] == "" {
				return nil, fmt.Errorf("console: %s: no text for %q", name, k)
			}
		}
		for k := range msgs {
			if _, ok := base[k]; !ok {
				return nil, fmt.Errorf("console: %s: unknown key %q (not in en.yaml)", name, k)
			}
		}
		out[b.String()] = msgs
	}
	return out, nil
}

// signInLanguage is the language of the sign-in page for r: its ?locale=, else its
// Accept-Language, else English.
func signInLanguage(r *http.Request) string {
	tag, _ := language.MatchStrings(signInMatcher, r.URL.Query().Get("locale"), r.Header.Get("Accept-Language"))
	b, _ := tag.Base()
	if _, ok := signInTexts[b.String()]; ok {
		return b.String()
	}
	return "en"
}
