package expression

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
)

// Function documents one helper function available in flow expressions.
type Function struct {
	Name      string
	Signature string
	Doc       string
}

// Functions lists the helper functions flows can call, besides expr's built-ins.
var Functions = []Function{
	{"isEmail", "isEmail(s string) bool", "whether s has the shape of an email address"},
	{"isBlank", "isBlank(s string) bool", "whether s is empty or only white space"},
	{"hasAll", "hasAll(have list, want list) bool", "whether every item of want is in have (e.g. granted scopes)"},
	{"hasAny", "hasAny(have list, want list) bool", "whether at least one item of want is in have"},
	{"missing", "missing(have list, want list) list", "the items of want that are not in have"},
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// IsEmail reports whether s has the shape of an email address (what isEmail and email fields
// accept).
func IsEmail(s string) bool { return len(s) <= 254 && emailRE.MatchString(s) }

var functions = []expr.Option{
	expr.Function("isEmail", func(p ...any) (any, error) {
		s, _ := p[0].(string)
		return IsEmail(s), nil
	}, new(func(string) bool)),
	expr.Function("isBlank", func(p ...any) (any, error) {
		s, _ := p[0].(string)
		return strings.TrimSpace(s) == "", nil
	}, new(func(string) bool)),
	expr.Function("hasAll", func(p ...any) (any, error) {
		have, want, err := twoLists(p)
		if err != nil {
			return nil, err
		}
		return len(missingItems(have, want)) == 0, nil
	}, new(func([]any, []any) bool)),
	expr.Function("hasAny", func(p ...any) (any, error) {
		have, want, err := twoLists(p)
		if err != nil {
			return nil, err
		}
		return len(missingItems(have, want)) < len(want), nil
	}, new(func([]any, []any) bool)),
	expr.Function("missing", func(p ...any) (any, error) {
		have, want, err := twoLists(p)
		if err != nil {
			return nil, err
		}
		return missingItems(have, want), nil
	}, new(func([]any, []any) []any)),
}

func twoLists(p []any) ([]any, []any, error) {
	a, ok1 := asList(p[0])
	b, ok2 := asList(p[1])
	if !ok1 || !ok2 {
		return nil, nil, fmt.Errorf("expected two lists")
	}
	return a, b, nil
}

func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func missingItems(have, want []any) []any {
	out := []any{}
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
				break
			}
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}
