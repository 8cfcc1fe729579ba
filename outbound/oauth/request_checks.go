package oauth

import (
	"fmt"
	"strings"

	"github.com/outflowhq/outflow/outbound/apps"
)

// maxScopeLen bounds one scope in a request: longer than any provider's scope names, URLs
// included, and short enough to keep a connect request or an error answer readable.
const maxScopeLen = 512

// maxTokenLen bounds an imported access or refresh token: HTTP servers refuse a request header
// longer than this, so a longer token could never be used.
const maxTokenLen = 16 << 10

// checkScopes adds a problem for each scope of a request that is empty, holds a space or a
// control character (or, with noComma, a comma), or is longer than maxScopeLen.
func (p *fieldProblems) checkScopes(prefix string, scopes []string, noComma bool) {
	for i, s := range scopes {
		field := fmt.Sprintf("%sscopes[%d]", prefix, i)
		switch {
		case s == "" || strings.ContainsFunc(s, apps.IsSpaceOrControl):
			p.add(field, "a scope is one non-empty word without spaces or control characters")
		case noComma && strings.Contains(s, ","):
			p.add(field, "a scope is one word without commas")
		case len(s) > maxScopeLen:
			p.add(field, "is longer than %d characters", maxScopeLen)
		}
	}
}

// checkToken adds a problem when a token given to import is not what RFC 6749 allows a token to
// be (printable ASCII, spaces included) or is longer than maxTokenLen. The message never quotes
// the token.
func (p *fieldProblems) checkToken(field, token string) {
	switch {
	case token == "":
	case strings.ContainsFunc(token, func(r rune) bool { return r < 0x20 || r > 0x7e }):
		p.add(field, "holds a character a token cannot have: only printable ASCII (no line breaks or control characters)")
	case len(token) > maxTokenLen:
		p.add(field, "is longer than %d characters, more than an HTTP header may carry", maxTokenLen)
	}
}
