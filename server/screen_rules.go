package server

import (
	"strconv"
	"strings"

	"github.com/outflowhq/outflow/actions"
)

// fieldRules are a field's rules as the attributes of its HTML control, so a browser checks them
// before it sends the form; the engine checks them again whatever the browser did. Empty strings
// leave an attribute out.
type fieldRules struct {
	Min, Max, MinLength, MaxLength, Pattern string
}

func newFieldRules(f actions.Field) fieldRules {
	var r fieldRules
	if f.Min != nil {
		r.Min = strconv.FormatFloat(*f.Min, 'f', -1, 64)
	}
	if f.Max != nil {
		r.Max = strconv.FormatFloat(*f.Max, 'f', -1, 64)
	}
	if f.MinLength > 0 {
		r.MinLength = strconv.Itoa(f.MinLength)
	}
	if f.MaxLength > 0 {
		r.MaxLength = strconv.Itoa(f.MaxLength)
	}
	if f.Type != actions.FieldTextarea { // a textarea has no pattern attribute
		r.Pattern = htmlPattern(f.Pattern)
	}
	return r
}

// htmlPattern is a field's pattern for the HTML pattern attribute, or "" when a browser could read
// it more strictly than the engine does. Browsers read the attribute as a JavaScript regular
// expression; most Go-only syntax ((?i), \pL, \z) does not compile there, and the browser then
// ignores the attribute, but a POSIX class ([[:digit:]]) compiles as a set of its letters and
// would refuse values the engine accepts.
func htmlPattern(p string) string {
	if strings.Contains(p, "[:") {
		return ""
	}
	return p
}
