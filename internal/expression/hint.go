package expression

import (
	"regexp"
	"sort"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/outflowhq/outflow/internal/suggest"
)

var (
	unknownField = regexp.MustCompile(`^unknown field (\S+)`)
	unknownName  = regexp.MustCompile(`^unknown name (\S+)`)
	chainBefore  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.\s*$`)
)

// explain rewrites expr's "unknown field x" and "unknown name x" into a message that names the
// path and suggests the closest known key.
func explain(e *Error, src string, env Env) *Error {
	if e.Msg == "expected bool, but got unknown" {
		e.Msg = "a condition must be a boolean, and the type of this one is not known when the flow loads " +
			"(an output of any type, such as a set value that is not a comparison, or fromJSON); " +
			"compare it with a value, e.g. `... == true`"
		return e
	}
	if m := unknownName.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = "unknown variable " + quote(m[1]) + hint(m[1], keys(env)) + "; expressions can read " + strings.Join(keys(env), ", ")
		return e
	}
	m := unknownField.FindStringSubmatch(e.Msg)
	if m == nil {
		return e
	}
	c := chainBefore.FindStringSubmatch(src[:byteOffset(src, e.offset)])
	if c == nil {
		return e
	}
	path := c[1]
	known := keysAt(env, strings.Split(path, "."))
	what := "field"
	if path == "steps" {
		what = "step"
	}
	e.Msg = "unknown " + what + " " + quote(m[1]) + " in " + path + "." + m[1] + hint(m[1], known)
	if len(known) > 0 && len(known) <= 12 {
		e.Msg += "; known: " + strings.Join(known, ", ")
	}
	return e
}

func keysAt(env Env, path []string) []string {
	var cur types.Type = env
	for _, p := range path {
		m, ok := thaw(cur).(types.Map)
		if !ok {
			return nil
		}
		cur, ok = m[p]
		if !ok {
			return nil
		}
	}
	if m, ok := thaw(cur).(types.Map); ok {
		return keys(m)
	}
	return nil
}

func keys(m types.Map) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != types.Extra && !isReserved(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func hint(word string, cands []string) string { return suggest.Hint(word, cands) }

func quote(s string) string { return `"` + s + `"` }
