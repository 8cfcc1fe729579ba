// Package ids holds the rule for the ids a host names: user, tenant and external ids. It sits
// below every other package, so the flow subject (actions) and the credential owner (outbound)
// check ids the same way without importing each other.
package ids

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the most characters (Unicode code points) a user, tenant or external id may hold.
const MaxLen = 256

// Rule describes the ids Check accepts, for messages and documentation.
const Rule = "1 to 256 characters of UTF-8 text without control characters"

// Check says what is wrong with id as a user, tenant or external id, or returns "". An id is
// 1 to MaxLen characters of valid UTF-8 with no control character (U+0000–U+001F,
// U+007F–U+009F: no NUL, CR, LF or tab), so it can always be stored, listed and deleted again.
// The message never repeats the id.
func Check(id string) string {
	switch {
	case id == "":
		return "is empty; use " + Rule
	case !utf8.ValidString(id):
		return "is not valid UTF-8; use " + Rule
	case utf8.RuneCountInString(id) > MaxLen:
		return fmt.Sprintf("is longer than %d characters; use %s", MaxLen, Rule)
	case strings.ContainsFunc(id, unicode.IsControl):
		return "contains control characters (such as NUL, CR or LF); use " + Rule
	}
	return ""
}
