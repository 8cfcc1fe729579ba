// Package screentext holds the texts of the built-in screens (the consent scope choice of
// outbound.connect, the form of apikey.collect) in every language the hosted pages speak, and
// reads the message references those screens carry (actions.BuiltinText) in one of them, with
// numbers and durations formatted for it. The server shows screens through it; scenario tests
// read them in English.
package screentext

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/actions"
)

// Default is the language every other falls back to.
const Default = "en"

// languages are the languages the texts ship in, the default first.
var languages = []string{"en", "de", "fr", "es"}

// Languages returns the languages the texts ship in, the default first; the slice is the
// caller's own.
func Languages() []string { return slices.Clone(languages) }

//go:embed locales/*.yaml
var files embed.FS

// catalogs are the texts per language, read once from the embedded files; a file that does not
// parse, or a language that misses a key of the default one, is a bug TestCatalogsAreComplete
// catches.
var catalogs = func() map[string]map[string]string {
	c, err := load()
	if err != nil {
		panic(err)
	}
	return c
}()

// load reads every language strictly: each must have exactly the default's keys.
func load() (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, lang := range languages {
		name := path.Join("locales", lang+".yaml")
		src, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("screentext: read %s: %w", name, err)
		}
		msgs := map[string]string{}
		if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&msgs); err != nil {
			return nil, fmt.Errorf("screentext: %s: %w", name, err)
		}
		for k := range out[Default] {
			if msgs[k] == "" {
				return nil, fmt.Errorf("screentext: %s: no text for %q", name, k)
			}
		}
		for k := range msgs {
			if _, ok := out[Default][k]; lang != Default && !ok {
				return nil, fmt.Errorf("screentext: %s: unknown key %q (not in %s.yaml)", name, k, Default)
			}
		}
		out[lang] = msgs
	}
	return out, nil
}

// Text returns s in lang when it is a message reference (actions.BuiltinText) to a key of the
// built-in screens, its arguments read the same way; any other text as it is. own, when set,
// reads a text first (a flow's own catalogs), so it can reword a built-in text or fill an
// argument. A language without texts reads English.
func Text(lang, s string, own func(lang, s string) string) string {
	if own != nil {
		s = own(lang, s)
	}
	key, args, ok := actions.ParseBuiltinText(s)
	if !ok {
		return s
	}
	text, ok := lookup(lang, key)
	if !ok {
		return s
	}
	for i := 1; i < len(args); i += 2 {
		args[i] = Text(lang, args[i], own)
	}
	return Fill(lang, text, args...)
}

// lookup returns the text of key in lang, else in English.
func lookup(lang, key string) (string, bool) {
	if t, ok := catalogs[lang][key]; ok {
		return t, true
	}
	t, ok := catalogs[Default][key]
	return t, ok
}

// Fill puts args (name, value pairs) in for the placeholders of text: {name} as it is,
// {name,number} and {name,duration} formatted for lang (a number, a Go duration such as "10s").
func Fill(lang, text string, args ...string) string {
	for i := 0; i+1 < len(args); i += 2 {
		name, value := args[i], args[i+1]
		if p := "{" + name + ",number}"; strings.Contains(text, p) {
			text = strings.ReplaceAll(text, p, numberText(lang, value))
		}
		if p := "{" + name + ",duration}"; strings.Contains(text, p) {
			text = strings.ReplaceAll(text, p, durationText(lang, value))
		}
		text = strings.ReplaceAll(text, "{"+name+"}", value)
	}
	return text
}
