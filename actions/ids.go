package actions

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIDLen is the most characters (Unicode code points) a user, tenant or external id may
// hold.
const MaxIDLen = 256

// IDRule describes the ids CheckID accepts, for messages and documentation.
const IDRule = "1 to 256 characters of UTF-8 text without control characters"

// CheckID says what is wrong with id as a user, tenant or external id, or returns "". An id is
// 1 to MaxIDLen characters of valid UTF-8 with no control character (U+0000–U+001F,
// U+007F–U+009F: no NUL, CR, LF or tab), so it can always be stored, listed and deleted again.
// The message never repeats the id.
func CheckID(id string) string {
	switch {
	case id == "":
		return "is empty; use " + IDRule
	case !utf8.ValidString(id):
		return "is not valid UTF-8; use " + IDRule
	case utf8.RuneCountInString(id) > MaxIDLen:
		return fmt.Sprintf("is longer than %d characters; use %s", MaxIDLen, IDRule)
	case strings.ContainsFunc(id, unicode.IsControl):
		return "contains control characters (such as NUL, CR or LF); use " + IDRule
	}
	return ""
}

// Problems lists, by field name ("userId", "tenantId"), what is wrong with the ids the subject
// sets (see CheckID); nil when each is unset or acceptable. An empty subject has no problems.
func (s Subject) Problems() map[string]string {
	var out map[string]string
	for _, f := range []struct{ name, id string }{{"userId", s.UserID}, {"tenantId", s.TenantID}} {
		if f.id == "" {
			continue
		}
		if msg := CheckID(f.id); msg != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[f.name] = msg
		}
	}
	return out
}
