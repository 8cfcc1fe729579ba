package server

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Number formats n for the language: its decimal mark and digit grouping ("1,234.5" in
// English, "1.234,5" in German).
func (l *pageLocale) Number(n float64) string {
	return message.NewPrinter(language.Make(l.Lang)).Sprint(number.Decimal(n))
}

// Duration formats d for the language in the largest unit that divides it (hours, minutes,
// else seconds): "2 Minuten", "1,5 secondes".
func (l *pageLocale) Duration(d time.Duration) string {
	n, unit := d.Seconds(), "second"
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		n, unit = d.Hours(), "hour"
	case d >= time.Minute && d%time.Minute == 0:
		n, unit = d.Minutes(), "minute"
	}
	if n != 1 {
		unit += "s"
	}
	return l.T("unit."+unit, "n", l.Number(n))
}

// formatted replaces the placeholders {name,number} and {name,duration} of s with value read as
// a number or a Go duration ("10s") and formatted for the language; a value that does not read
// as one is put in as it is.
func (l *pageLocale) formatted(s, name, value string) string {
	if p := "{" + name + ",number}"; strings.Contains(s, p) {
		v := value
		if n, err := strconv.ParseFloat(value, 64); err == nil {
			v = l.Number(n)
		}
		s = strings.ReplaceAll(s, p, v)
	}
	if p := "{" + name + ",duration}"; strings.Contains(s, p) {
		v := value
		if d, err := time.ParseDuration(value); err == nil {
			v = l.Duration(d)
		}
		s = strings.ReplaceAll(s, p, v)
	}
	return s
}
