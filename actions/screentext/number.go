package screentext

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Number formats n for lang: its decimal mark and digit grouping ("1,234.5" in English,
// "1.234,5" in German).
func Number(lang string, n float64) string {
	// As many fraction digits as the shortest exact form has: 0.0001 must not read as 0.
	digits := 0
	if _, frac, ok := strings.Cut(strconv.FormatFloat(n, 'f', -1, 64), "."); ok {
		digits = len(frac)
	}
	return message.NewPrinter(language.Make(lang)).Sprint(number.Decimal(n, number.MaxFractionDigits(digits)))
}

// Duration formats d for lang in the largest unit that divides it (hours, minutes, else
// seconds): "2 Minuten", "1,5 secondes".
func Duration(lang string, d time.Duration) string {
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
	text, _ := lookup(lang, "unit."+unit)
	return Fill(lang, text, "n", Number(lang, n))
}

// numberText formats a number given as text; other text stays as it is.
func numberText(lang, s string) string {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return Number(lang, n)
	}
	return s
}

// durationText formats a Go duration given as text; other text stays as it is.
func durationText(lang, s string) string {
	if d, err := time.ParseDuration(s); err == nil {
		return Duration(lang, d)
	}
	return s
}
