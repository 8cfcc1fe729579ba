package actions

import (
	"strconv"
	"unicode/utf8"
)

// The rules of a field beyond its type: Min and Max for numbers, MinLength and MaxLength for text.
// A value that breaks one comes back next to its field with a message that states the rule; flows
// check the rules themselves when they load (min <= max, a pattern that compiles). Messages are
// built-in texts (BuiltinText), shown in the reader's language.

// checkRange returns the message for a number outside [Min, Max], or "".
func (f Field) checkRange(n float64, label string) string {
	low := f.Min == nil || n >= *f.Min
	high := f.Max == nil || n <= *f.Max
	switch {
	case low && high:
		return ""
	case f.Min != nil && f.Max != nil && *f.Min == *f.Max:
		return BuiltinText("field.exactly", "label", label, "n", formatBound(*f.Min))
	case f.Min != nil && f.Max != nil:
		return BuiltinText("field.between", "label", label, "min", formatBound(*f.Min), "max", formatBound(*f.Max))
	case !low:
		return BuiltinText("field.at_least", "label", label, "min", formatBound(*f.Min))
	}
	return BuiltinText("field.at_most", "label", label, "max", formatBound(*f.Max))
}

// checkLength returns the message for a text shorter than MinLength or longer than MaxLength
// characters, or "".
func (f Field) checkLength(s, label string) string {
	n := utf8.RuneCountInString(s)
	short := f.MinLength > 0 && n < f.MinLength
	long := f.MaxLength > 0 && n > f.MaxLength
	switch {
	case !short && !long:
		return ""
	case f.MinLength > 0 && f.MinLength == f.MaxLength:
		return BuiltinText("field.length_exactly", "label", label, "length", characters(f.MinLength))
	case f.MinLength > 0 && f.MaxLength > 0:
		return BuiltinText("field.length_between", "label", label, "min", strconv.Itoa(f.MinLength), "length", characters(f.MaxLength))
	case short:
		return BuiltinText("field.length_at_least", "label", label, "length", characters(f.MinLength))
	}
	return BuiltinText("field.length_at_most", "label", label, "length", characters(f.MaxLength))
}

// formatBound writes a bound as a number the reader's language formats.
func formatBound(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// characters is a length in characters, itself a built-in text.
func characters(n int) string {
	if n == 1 {
		return BuiltinText("unit.character", "n", "1")
	}
	return BuiltinText("unit.characters", "n", strconv.Itoa(n))
}
