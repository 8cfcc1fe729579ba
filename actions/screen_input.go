package actions

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/outflowhq/outflow/internal/expression"
	"github.com/outflowhq/outflow/internal/suggest"
)

// ReadInput checks what a client submitted for screen s and returns the typed values (strings,
// float64, bool, []any of strings) for every field, with one error message per bad field (a built-in
// text, BuiltinText, shown in the reader's language). Values of
// unknown fields are ignored (UnknownInput names them). Strings are trimmed, except secret ones.
func (s *Screen) ReadInput(input map[string]any) (map[string]any, []Message) {
	values := make(map[string]any, len(s.Fields))
	var problems []Message
	for _, f := range s.Fields {
		v, msg := readField(f, input[f.Name])
		if msg != "" {
			problems = append(problems, Message{Level: LevelError, Field: f.Name, Text: msg})
			continue
		}
		values[f.Name] = v
	}
	return values, problems
}

// UnknownInput names the keys of input that are none of the screen's fields, as "input.<key>", each
// with a message that suggests the field it likely meant; nil when every key is a field.
func (s *Screen) UnknownInput(input map[string]any) map[string]string {
	var out map[string]string
	for k := range input {
		if _, ok := s.Field(k); ok {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out["input."+k] = s.unknownField(k)
	}
	return out
}

// unknownField says that name is not a field of the screen, and what is.
func (s *Screen) unknownField(name string) string {
	msg := fmt.Sprintf("is not a field of screen %q", s.ID)
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	switch hint := suggest.Hint(name, names); {
	case len(names) == 0:
		return msg + ", which has none"
	case hint != "":
		return msg + hint
	}
	return msg + "; its fields are " + strings.Join(names, ", ")
}

func readField(f Field, raw any) (any, string) {
	raw = normalize(raw)
	label := f.Label
	if label == "" {
		label = f.Name
	}
	switch f.Type {
	case FieldCheckbox:
		b, ok := asBool(raw)
		if !ok {
			return nil, BuiltinText("field.checkbox", "label", label)
		}
		if f.Required && !b {
			return nil, BuiltinText("field.must_check", "label", label)
		}
		return b, ""
	case FieldMultiSelect:
		list, ok := asStrings(raw)
		if !ok {
			return nil, BuiltinText("field.list", "label", label)
		}
		if f.Required && len(list) == 0 {
			return nil, BuiltinText("field.choose_some", "label", label)
		}
		out := make([]any, 0, len(list))
		for _, v := range list {
			if !hasOption(f, v) {
				return nil, BuiltinText("field.not_a_choice", "value", v, "label", label)
			}
			out = append(out, v)
		}
		return out, ""
	}
	str, ok := asString(raw)
	if !ok {
		return nil, BuiltinText("field.text", "label", label)
	}
	if !f.Secret {
		str = strings.TrimSpace(str)
	}
	if str == "" {
		if f.Required {
			return nil, BuiltinText("field.required", "label", label)
		}
		if f.Type == FieldNumber {
			return float64(0), ""
		}
		return "", ""
	}
	switch f.Type {
	case FieldNumber:
		// ParseFloat reads "NaN" and "Inf" too: no value of a form is either.
		n, err := strconv.ParseFloat(str, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, BuiltinText("field.number", "label", label)
		}
		if msg := f.checkRange(n, label); msg != "" {
			return nil, msg
		}
		return n, ""
	case FieldEmail:
		if !LooksLikeEmail(str) {
			return nil, BuiltinText("field.email", "label", label)
		}
	case FieldSelect:
		if !hasOption(f, str) {
			return nil, BuiltinText("field.choose_one", "label", label)
		}
	}
	if msg := f.checkLength(str, label); msg != "" {
		return nil, msg
	}
	if f.Pattern != "" {
		re, err := compilePattern(f.Pattern)
		if err != nil || !re.MatchString(str) {
			if f.PatternMessage != "" {
				return nil, f.PatternMessage
			}
			return nil, BuiltinText("field.format", "label", label)
		}
	}
	return str, ""
}

func hasOption(f Field, v string) bool {
	if len(f.Options) == 0 {
		return true
	}
	for _, o := range f.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case []any:
		if len(x) == 1 {
			return asString(x[0])
		}
	case []string:
		if len(x) == 1 {
			return x[0], true
		}
	}
	return "", false
}

func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case nil:
		return false, true
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "", "false", "off", "0", "no":
			return false, true
		case "true", "on", "1", "yes":
			return true, true
		}
	case []string:
		if len(x) == 1 {
			return asBool(x[0])
		}
	case []any:
		if len(x) == 1 {
			return asBool(x[0])
		}
	}
	return false, false
}

func asStrings(v any) ([]string, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		if x == "" {
			return nil, true
		}
		return []string{x}, true
	case []string:
		return x, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// LooksLikeEmail reports whether s has the shape of an email address: what email fields and the
// isEmail expression function accept.
func LooksLikeEmail(s string) bool { return expression.IsEmail(s) }

var patterns sync.Map // pattern string → *regexp.Regexp

// compilePattern compiles a field pattern anchored to the whole value, caching the result.
func compilePattern(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}

// CheckPattern reports whether p is a valid field pattern; its error quotes p as written.
func CheckPattern(p string) error {
	if _, err := regexp.Compile(p); err != nil {
		return err
	}
	_, err := compilePattern(p)
	return err
}
