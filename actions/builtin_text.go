package actions

import (
	"net/url"
	"regexp"
	"strings"
)

// builtinKey is the shape of a built-in text's key: the same as a flow's message keys.
var builtinKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// BuiltinText is a text of a built-in screen (the consent scope choice, the API-key form) as a
// message reference, "t:<key>" or "t:<key>?<name>=<value>&…", so the host shows it in the
// reader's language: the server reads the key from its page catalogs and puts each argument in
// for {name}. An argument may itself be such a reference. args are name, value pairs.
func BuiltinText(key string, args ...string) string {
	if len(args) < 2 {
		return "t:" + key
	}
	q := make([]string, 0, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		q = append(q, url.QueryEscape(args[i])+"="+url.QueryEscape(args[i+1]))
	}
	return "t:" + key + "?" + strings.Join(q, "&")
}

// ParseBuiltinText reads a reference made by BuiltinText: its key and its arguments as name,
// value pairs in their order; ok is false for any other text.
func ParseBuiltinText(s string) (key string, args []string, ok bool) {
	rest, found := strings.CutPrefix(s, "t:")
	if !found {
		return "", nil, false
	}
	key, query, _ := strings.Cut(rest, "?")
	if !builtinKey.MatchString(key) {
		return "", nil, false
	}
	if query == "" {
		return key, nil, true
	}
	for _, pair := range strings.Split(query, "&") {
		n, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(n)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "", nil, false
		}
		args = append(args, name, value)
	}
	return key, args, true
}
