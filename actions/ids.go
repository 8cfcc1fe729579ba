package actions

import "github.com/outflowhq/outflow/internal/ids"

// MaxIDLen is the most characters (Unicode code points) a user, tenant or external id may
// hold.
const MaxIDLen = ids.MaxLen

// IDRule describes the ids CheckID accepts, for messages and documentation.
const IDRule = ids.Rule

// CheckID says what is wrong with id as a user, tenant or external id, or returns "". An id is
// 1 to MaxIDLen characters of valid UTF-8 with no control character (U+0000–U+001F,
// U+007F–U+009F: no NUL, CR, LF or tab), so it can always be stored, listed and deleted again.
// The message never repeats the id. Credential owners (outbound.Owner) follow the same rule.
func CheckID(id string) string { return ids.Check(id) }

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
