package expression

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm/runtime"
)

// charged replaces expr's built-ins that build strings with versions of the same names and
// signatures that draw from the evaluation's byte budget before they allocate. Each takes the
// budget as a leading context.Context, which expr.WithContext passes in.
var charged = []expr.Option{
	expr.Function("repeat", fn2(func(b *budget, s string, n int) (any, error) {
		if n < 0 {
			return nil, fmt.Errorf("repeat: the count must not be negative")
		}
		size := mulSize(len(s), n)
		if err := b.build("repeat", size, size); err != nil {
			return nil, err
		}
		return strings.Repeat(s, n), nil
	}), new(func(context.Context, string, int) string)),
	expr.Function("replace", func(p ...any) (any, error) {
		b := budgetOf(p[0].(context.Context))
		s, old, repl := str(p[1]), str(p[2]), str(p[3])
		n := -1
		if len(p) == 5 {
			n = runtime.ToInt(p[4])
		}
		count := strings.Count(s, old)
		if n >= 0 && n < count {
			count = n
		}
		size := len(s) + mulSize(count, len(repl)) - count*len(old)
		if err := b.build("replace", size, size); err != nil {
			return nil, err
		}
		return strings.Replace(s, old, repl, n), nil
	}, new(func(context.Context, string, string, string, int) string), new(func(context.Context, string, string, string) string)),
	expr.Function("join", func(p ...any) (any, error) {
		b := budgetOf(p[0].(context.Context))
		glue := ""
		if len(p) == 3 {
			glue = str(p[2])
		}
		items, err := strings1("join", p[1])
		if err != nil {
			return nil, err
		}
		size := 0
		for _, s := range items {
			size += len(s) + len(glue)
			if size > MaxValueSize+len(glue) {
				break
			}
		}
		size = max(size-len(glue), 0)
		if err := b.build("join", size, size); err != nil {
			return nil, err
		}
		return strings.Join(items, glue), nil
	},
		new(func(context.Context, []string, string) string),
		new(func(context.Context, []any, string) string),
		new(func(context.Context, []string) string),
		new(func(context.Context, []any) string)),
	expr.Function("upper", fn1(func(b *budget, s string) (any, error) { return sameSize(b, "upper", s, strings.ToUpper) }),
		new(func(context.Context, string) string)),
	expr.Function("lower", fn1(func(b *budget, s string) (any, error) { return sameSize(b, "lower", s, strings.ToLower) }),
		new(func(context.Context, string) string)),
	expr.Function("toBase64", fn1(func(b *budget, s string) (any, error) {
		size := base64.StdEncoding.EncodedLen(len(s))
		if err := b.build("toBase64", size, size); err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	}), new(func(context.Context, string) string)),
	expr.Function("fromBase64", fn1(func(b *budget, s string) (any, error) {
		size := base64.StdEncoding.DecodedLen(len(s))
		if err := b.build("fromBase64", size, size); err != nil {
			return nil, err
		}
		out, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		return string(out), nil
	}), new(func(context.Context, string) string)),
	expr.Function("string", func(p ...any) (any, error) {
		return encode(budgetOf(p[0].(context.Context)), "string", p[1], func(v any) (string, error) {
			return fmt.Sprintf("%v", v), nil
		})
	}, new(func(context.Context, any) string)),
	expr.Function("toJSON", func(p ...any) (any, error) {
		return encode(budgetOf(p[0].(context.Context)), "toJSON", p[1], func(v any) (string, error) {
			out, err := json.MarshalIndent(v, "", "  ")
			return string(out), err
		})
	}, new(func(context.Context, any) string)),
	expr.Function("fromJSON", fn1(func(b *budget, s string) (any, error) {
		if err := b.charge("fromJSON", len(s)); err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, err
		}
		if err := b.charge("fromJSON", max(heldSize(v, maxDepth, true, b.remaining())-len(s), 0)); err != nil {
			return nil, err
		}
		return v, nil
	}), new(func(context.Context, string) any)),
	expr.Function("split", splitter("split", strings.SplitN),
		new(func(context.Context, string, string) []string), new(func(context.Context, string, string, int) []string)),
	expr.Function("splitAfter", splitter("splitAfter", strings.SplitAfterN),
		new(func(context.Context, string, string) []string), new(func(context.Context, string, string, int) []string)),
	expr.Function(matchesFunc, func(p ...any) (any, error) {
		b := budgetOf(p[0].(context.Context))
		s, ok1 := p[1].(string)
		pattern, ok2 := p[2].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("matches: both sides must be strings, not %T and %T", p[1], p[2])
		}
		// A compiled regular expression takes a few dozen bytes per byte of its pattern.
		if err := b.charge("matches", mulSize(len(pattern), 64)); err != nil {
			return nil, err
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, err
		}
		return re.MatchString(s), nil
	}, new(func(context.Context, string, string) bool)),
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func fn1(f func(*budget, string) (any, error)) func(...any) (any, error) {
	return func(p ...any) (any, error) { return f(budgetOf(p[0].(context.Context)), str(p[1])) }
}

func fn2(f func(*budget, string, int) (any, error)) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		return f(budgetOf(p[0].(context.Context)), str(p[1]), runtime.ToInt(p[2]))
	}
}

// sameSize runs a case mapping, which changes the length of a string by at most half.
func sameSize(b *budget, what, s string, f func(string) string) (any, error) {
	if err := b.build(what, len(s), len(s)); err != nil {
		return nil, err
	}
	out := f(s)
	if grew := len(out) - len(s); grew > 0 {
		if err := b.build(what, len(out), grew); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// encode charges an upper bound of what f makes of v, runs it, and gives back what was not used.
func encode(b *budget, what string, v any, f func(any) (string, error)) (any, error) {
	est := encodedSize(v, b.remaining())
	if err := b.charge(what, est); err != nil {
		return nil, err
	}
	out, err := f(v)
	if err != nil {
		return nil, err
	}
	if err := b.build(what, len(out), 0); err != nil {
		return nil, err
	}
	b.used -= est - len(out)
	return out, nil
}

// strings1 returns the items of a list of strings.
func strings1(what string, v any) ([]string, error) {
	switch x := v.(type) {
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: item %d is %s, not a string", what, i, DescribeValue(e))
			}
			out[i] = s
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("%s: expected a list of strings, got %s", what, DescribeValue(v))
}

func splitter(what string, f func(s, sep string, n int) []string) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		b := budgetOf(p[0].(context.Context))
		s, sep := str(p[1]), str(p[2])
		n := -1
		if len(p) == 4 {
			n = runtime.ToInt(p[3])
		}
		count := strings.Count(s, sep) + 1
		if sep == "" {
			count = utf8.RuneCountInString(s)
		}
		if n >= 0 && n < count {
			count = n
		}
		if err := b.build(what, count, 24+mulSize(count, 16)); err != nil {
			return nil, err
		}
		return f(s, sep, n), nil
	}
}

// Built-ins that build lists or maps as big as their input are charged through sizedFunc, which
// passes a value through and charges what it holds. after lists those charged for their result,
// with how many levels of it are new; before those charged for their arguments.
var (
	after  = map[string]int{"keys": 1, "values": 1, "toPairs": 2, "fromPairs": 1, "groupBy": 2}
	before = map[string]int{"median": 3, "uniq": 1}
)

const (
	sizedFunc   = "__sized"
	stepFunc    = "__step"
	concatFunc  = "__concat"
	addFunc     = "__add"
	matchesFunc = "__matches"
)

// sized registers sizedFunc(budget, name, value). Its Validate keeps the static type of the value it
// passes through, so wrapping a built-in changes nothing the type checker sees.
func sized(c *conf.Config) {
	c.Functions[sizedFunc] = &builtin.Function{
		Name: sizedFunc,
		Func: func(p ...any) (any, error) {
			b := budgetOf(p[0].(context.Context))
			what := str(p[1])
			if err := b.charge(what, heldSize(p[2], after[what]+before[what], false, b.remaining())); err != nil {
				return nil, err
			}
			return p[2], nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) != 3 {
				return nil, fmt.Errorf("%s takes 3 arguments", sizedFunc)
			}
			return args[2], nil
		},
	}
}

// step registers stepFunc(budget, name, value): it counts one run of a predicate of the built-in
// name and passes value through, keeping its static type.
func step(c *conf.Config) {
	c.Functions[stepFunc] = &builtin.Function{
		Name: stepFunc,
		Func: func(p ...any) (any, error) {
			if err := budgetOf(p[0].(context.Context)).step(str(p[1])); err != nil {
				return nil, err
			}
			return p[2], nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) != 3 {
				return nil, fmt.Errorf("%s takes 3 arguments", stepFunc)
			}
			return args[2], nil
		},
	}
}

// uniq replaces expr's uniq, which compares every item with every kept one, with one that looks
// numbers, strings and booleans up in a set. It keeps the built-in's type check and its meaning:
// the first of equal items stays, and 1 equals 1.0.
func uniq(c *conf.Config) {
	var validate func([]reflect.Type) (reflect.Type, error)
	for _, f := range builtin.Builtins {
		if f.Name == "uniq" {
			validate = f.Validate
		}
	}
	c.Functions["uniq"] = &builtin.Function{Name: "uniq", Validate: validate, Func: func(p ...any) (any, error) {
		if len(p) != 1 {
			return nil, fmt.Errorf("invalid number of arguments (expected 1, got %d)", len(p))
		}
		v := reflect.ValueOf(p[0])
		if v.Kind() != reflect.Array && v.Kind() != reflect.Slice {
			return nil, fmt.Errorf("cannot uniq %s", v.Kind())
		}
		out := []any{}
		seen := map[any]bool{}
		var others []any // items with no set key: compared one by one
		for i := range v.Len() {
			item := v.Index(i).Interface()
			if key, ok := setKey(item); ok {
				if !seen[key] {
					seen[key] = true
					out = append(out, item)
				}
				continue
			}
			if !slices.ContainsFunc(others, func(o any) bool { return runtime.Equal(o, item) }) {
				others = append(others, item)
				out = append(out, item)
			}
		}
		return out, nil
	}}
}

// setKey returns the key under which uniq finds an item equal to v, if it has one.
func setKey(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, true
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32:
		return rv.Float(), true
	}
	return nil, false
}
