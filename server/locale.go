package server

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
	"path"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/outflowhq/outflow/actions/screentext"
)

// The languages of the built-in hosted pages; the first is the default.
var pageLanguages = []language.Tag{language.English, language.German, language.French, language.Spanish}

//go:embed locales/*.yaml
var localeFiles embed.FS

// pageLocale is one language of the hosted pages: its tag for <html lang>, its direction for
// <html dir> and its texts.
type pageLocale struct {
	Lang string
	Dir  string
	msgs map[string]string
}

// catalog holds the hosted pages' texts in every language, and the matcher that picks one.
type catalog struct {
	byLang  map[string]*pageLocale
	matcher language.Matcher
}

// pageCatalog is read once from the embedded files; a file that does not parse, or a language
// that misses a key of the default one, is a bug caught by the package's tests.
var pageCatalog = mustCatalog()

func mustCatalog() *catalog {
	c, err := loadCatalog()
	if err != nil {
		panic(err) // the files are embedded; TestPageCatalogsAreComplete holds them right
	}
	return c
}

func loadCatalog() (*catalog, error) {
	c := &catalog{byLang: map[string]*pageLocale{}, matcher: language.NewMatcher(pageLanguages)}
	var base map[string]string
	for _, tag := range pageLanguages {
		b, _ := tag.Base()
		name := path.Join("locales", b.String()+".yaml")
		src, err := localeFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("server: read %s: %w", name, err)
		}
		msgs := map[string]string{}
		dec := yaml.NewDecoder(bytes.NewReader(src))
		dec.KnownFields(true)
		if err := dec.Decode(&msgs); err != nil {
			return nil, fmt.Errorf("server: %s: %w", name, err)
		}
		if base == nil {
			base = msgs
		}
		for k := range base {
			if msgs[k] == "" {
				return nil, fmt.Errorf("server: %s: no text for %q", name, k)
			}
		}
		for k := range msgs {
			if _, ok := base[k]; !ok {
				return nil, fmt.Errorf("server: %s: unknown key %q (not in %s.yaml)", name, k, "en")
			}
		}
		c.byLang[b.String()] = &pageLocale{Lang: b.String(), Dir: msgs["lang.dir"], msgs: msgs}
	}
	return c, nil
}

// pick returns the language for an explicit locale (such as a flow's locale input), else the
// request's Accept-Language, else English.
func (c *catalog) pick(explicit, acceptLanguage string) *pageLocale {
	tag, _ := language.MatchStrings(c.matcher, explicit, acceptLanguage)
	b, _ := tag.Base()
	if l, ok := c.byLang[b.String()]; ok {
		return l
	}
	return c.byLang["en"]
}

// localeOf is the language of the hosted page answering r: its ?locale=, else Accept-Language.
func localeOf(r *http.Request, explicit string) *pageLocale {
	if explicit == "" && r != nil {
		explicit = r.URL.Query().Get("locale")
	}
	accept := ""
	if r != nil {
		accept = r.Header.Get("Accept-Language")
	}
	return pageCatalog.pick(explicit, accept)
}

// T returns the text of key with {name} placeholders replaced by args given as name, value pairs;
// {name,number} and {name,duration} format the value for the language (see screentext.Fill).
func (l *pageLocale) T(key string, args ...string) string {
	s, ok := l.msgs[key]
	if !ok {
		s = pageCatalog.byLang["en"].msgs[key]
	}
	return screentext.Fill(l.Lang, s, args...)
}

// inLang returns the language lang ("de"), or English when the pages do not speak it.
func (c *catalog) inLang(lang string) *pageLocale {
	if l, ok := c.byLang[lang]; ok {
		return l
	}
	return c.byLang["en"]
}

// Time formats a time of day for the language; DateTime a date and time.
func (l *pageLocale) Time(t time.Time) string     { return t.Format(l.T("date.time")) }
func (l *pageLocale) DateTime(t time.Time) string { return t.Format(l.T("date.datetime")) }
