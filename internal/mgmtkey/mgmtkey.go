// Package mgmtkey is the rule every management key follows, for the server and the console alike.
package mgmtkey

import (
	"fmt"
	"strings"
)

// MinLen is the length every management key needs at least: 32 characters of a random string
// cannot be guessed. A demo, which only runs on a developer's machine, may use a shorter one.
const MinLen = 32

// Problem says what is wrong with key as a management key, or returns "". It never quotes the
// key: empty, spaces around it (no request could present it), or shorter than MinLen outside a
// demo.
func Problem(key string, demo bool) string {
	switch {
	case key == "":
		return "is empty"
	case strings.TrimSpace(key) != key:
		return "has spaces around it, so no request can present it"
	case len(key) < MinLen && !demo:
		return fmt.Sprintf("is %d characters long; management keys need at least %d characters, random ones", len(key), MinLen)
	}
	return ""
}
