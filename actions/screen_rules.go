package actions

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The rules of a field beyond its type: Min and Max for numbers, MinLength and MaxLength for text.
// A value that breaks one comes back next to its field with a message that states the rule; flows
// check the rules themselves when they load (min <= max, a pattern that compiles).

// checkRange returns the message for a number outside [Min, Max], or "".
func (f Field) checkRange(n float64, label string) string {
	low := f.Min == nil || n >= *f.Min
	high := f.Max == nil || n <= *f.Max
	switch {
	case low && high:
		return ""
	case f.Min != nil && f.Max != nil && *f.Min == *f.Max:
		return fmt.Sprintf("%s must be %s.", label, formatBound(*f.Min))
	case f.Min != nil && f.Max != nil:
		return fmt.Sprintf("%s must be between %s and %s.", label, formatBound(*f.Min), formatBound(*f.Max))
	case !low:
		return fmt.Sprintf("%s must be at least %s.", label, formatBound(*f.Min))
	}
	return fmt.Sprintf("%s must be at most %s.", label, formatBound(*f.Max))
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
		return fmt.Sprintf("%s must be exactly %s long.", label, characters(f.MinLength))
	case f.MinLength > 0 && f.MaxLength > 0:
		return fmt.Sprintf("%s must be between %d and %s long.", label, f.MinLength, characters(f.MaxLength))
	case short:
		return fmt.Sprintf("%s must be at least %s long.", label, characters(f.MinLength))
	}
	return fmt.Sprintf("%s must be at most %s long.", label, characters(f.MaxLength))
}

// formatBound writes a bound as people write numbers: 2, 0.5, 1000000.
func formatBound(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func characters(n int) string {
	if n == 1 {
		return "1 character"
	}
	return strconv.Itoa(n) + " characters"
}
