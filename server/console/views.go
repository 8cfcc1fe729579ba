package console

import (
	"errors"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/outflowhq/outflow/outbound"
)

// badge is an app's logo, or its initial when it has none.
type badge struct {
	Logo    template.URL
	Initial string
	Small   bool
}

func newBadge(name, logo string, small bool) badge {
	b := badge{Small: small}
	if strings.HasPrefix(logo, "https://") || strings.HasPrefix(logo, "data:image/") {
		b.Logo = template.URL(logo) // #nosec: only https: and data:image/ URLs, checked when saved and here
	}
	if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name)); r != utf8.RuneError {
		b.Initial = string(unicode.ToUpper(r))
	}
	return b
}

// fieldError is the message under an input; ID is the input's id.
type fieldError struct{ ID, Text string }

// formErrors are a form's field errors by field name, and the list shown above the form.
type formErrors struct {
	By   map[string]*fieldError
	List []fieldError
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// inputID is the id of the input of a field name ("refresh.marginSeconds" → "f-refresh-marginSeconds").
func inputID(name string) string { return "f-" + nonID.ReplaceAllString(name, "-") }

// errorsOf turns a validation error into form errors; ok is false for any other error. A field
// without an input of its own (scopes[2].name) is shown by the input of its head (scopes).
func errorsOf(err error, inputs ...string) (formErrors, bool) {
	var ie *outbound.InvalidError
	if !errors.As(err, &ie) {
		return formErrors{}, false
	}
	fe := formErrors{By: map[string]*fieldError{}}
	for _, f := range ie.Fields {
		name := f.Field
		if !contains(inputs, name) {
			head, _, _ := strings.Cut(strings.SplitN(name, "[", 2)[0], ".")
			if contains(inputs, head) {
				name = head
			}
		}
		text := f.Field + ": " + f.Message
		e := fieldError{ID: inputID(name), Text: text}
		if prev, ok := fe.By[name]; ok {
			prev.Text += "; " + text
		} else {
			fe.By[name] = &e
		}
		fe.List = append(fe.List, e)
	}
	return fe, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// input is one labelled form input.
type input struct {
	Name, ID, Label, Type, Value, Hint, Placeholder string
	Required, ReadOnly                              bool
	Error                                           *fieldError
}

// inputs builds inputs on a form's values and errors.
type inputs struct {
	values url.Values
	errs   formErrors
}

func (in inputs) field(name, label, typ, hint string) input {
	return input{Name: name, ID: inputID(name), Label: label, Type: typ, Value: in.values.Get(name), Hint: hint, Error: in.errs.By[name]}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
