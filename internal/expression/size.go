package expression

import (
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
)

// maxDepth bounds how deep the size walks go; a value nested deeper is treated as too big.
const maxDepth = 1000

// sizer adds up sizes and stops as soon as the total passes limit, so measuring a huge (or
// hugely shared) value costs no more than the budget it is measured against.
type sizer struct{ n, limit int }

func (s *sizer) add(k int) {
	if k > math.MaxInt32-s.n {
		s.n = math.MaxInt32
		return
	}
	s.n += k
}

func (s *sizer) over() bool { return s.n > s.limit }

// encodedSize returns an upper bound on the bytes of toJSON(v) (JSON indented by two spaces) and
// of string(v) (fmt's %v), or a number above limit as soon as it passes it.
func encodedSize(v any, limit int) int {
	s := &sizer{limit: limit}
	s.encoded(v, 0)
	return s.n
}

func (s *sizer) encoded(v any, depth int) {
	if s.over() {
		return
	}
	if depth > maxDepth {
		s.add(math.MaxInt32)
		return
	}
	switch x := v.(type) {
	case nil:
		s.add(len("<nil>"))
	case string:
		s.add(quotedLen(x))
	case bool:
		s.add(len("false"))
	case int:
		s.add(intLen(int64(x)))
	case int64:
		s.add(intLen(x))
	case float64, float32:
		s.add(24) // the longest float64 in either form
	case time.Time:
		s.add(64)
	case time.Duration:
		s.add(32)
	case []any:
		s.container(depth)
		for _, e := range x {
			s.element(depth)
			s.encoded(e, depth+1)
		}
	case []int:
		s.container(depth)
		for _, e := range x {
			s.element(depth)
			s.add(intLen(int64(e)))
			if s.over() {
				return
			}
		}
	case []string:
		s.container(depth)
		for _, e := range x {
			s.element(depth)
			s.add(quotedLen(e))
			if s.over() {
				return
			}
		}
	case map[string]any:
		s.container(depth)
		for k, e := range x {
			s.element(depth)
			s.add(quotedLen(k) + len(": "))
			s.encoded(e, depth+1)
		}
	default:
		s.encodedValue(reflect.ValueOf(v), depth)
	}
}

// encodedValue covers the types expressions rarely meet (typed slices and maps, structs).
func (s *sizer) encodedValue(rv reflect.Value, depth int) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			s.add(len("<nil>"))
			return
		}
		s.encoded(rv.Elem().Interface(), depth+1)
	case reflect.Slice, reflect.Array:
		s.container(depth)
		for i := 0; i < rv.Len() && !s.over(); i++ {
			s.element(depth)
			s.encoded(rv.Index(i).Interface(), depth+1)
		}
	case reflect.Map:
		s.container(depth)
		it := rv.MapRange()
		for it.Next() && !s.over() {
			s.element(depth)
			s.encoded(it.Key().Interface(), depth+1)
			s.add(len(": "))
			s.encoded(it.Value().Interface(), depth+1)
		}
	case reflect.Struct:
		s.container(depth)
		for i := 0; i < rv.NumField() && !s.over(); i++ {
			s.element(depth)
			s.add(quotedLen(rv.Type().Field(i).Name) + len(": "))
			if rv.Type().Field(i).IsExported() {
				s.encoded(rv.Field(i).Interface(), depth+1)
			} else {
				s.add(64)
			}
		}
	case reflect.String:
		s.add(quotedLen(rv.String()))
	default:
		s.add(32) // numbers, booleans, functions: short in either form
	}
}

// container counts the brackets (or "map[") of a list or object at depth.
func (s *sizer) container(depth int) { s.add(len("map[]") + 2*depth) }

// element counts the indentation, comma and line break around one element.
func (s *sizer) element(depth int) { s.add(2*(depth+1) + len(",\n")) }

// quotedLen is the length of s as a JSON string (with encoding/json's HTML escaping), which is
// never less than s itself.
func quotedLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += w
		}
		i += w
	}
	return n
}

func intLen(i int64) int {
	var buf [24]byte
	return len(strconv.AppendInt(buf[:0], i, 10))
}

// heldSize estimates the bytes a value holds in memory, counting containers levels deep and, with
// strs, the bytes of its strings; it stops above limit. Builtins whose results share their
// strings with their input (keys, split) are charged without strs.
func heldSize(v any, levels int, strs bool, limit int) int {
	s := &sizer{limit: limit}
	s.held(v, levels, strs)
	return s.n
}

func (s *sizer) held(v any, levels int, strs bool) {
	const word = 16 // an interface value, or a string header
	if s.over() {
		return
	}
	s.add(word)
	switch x := v.(type) {
	case string:
		if strs {
			s.add(len(x))
		}
		return
	case []any:
		s.add(24 + word*len(x))
		if levels > 1 {
			for _, e := range x {
				s.held(e, levels-1, strs)
			}
		}
		return
	case map[string]any:
		s.add(48 + 4*word*len(x))
		if levels > 1 {
			for k, e := range x {
				if strs {
					s.add(len(k))
				}
				s.held(e, levels-1, strs)
			}
		}
		return
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		s.add(24 + word*rv.Len())
		for i := 0; levels > 1 && i < rv.Len() && !s.over(); i++ {
			s.held(rv.Index(i).Interface(), levels-1, strs)
		}
	case reflect.Map:
		s.add(48 + 4*word*rv.Len())
		it := rv.MapRange()
		for levels > 1 && it.Next() && !s.over() {
			s.held(it.Key().Interface(), levels-1, strs)
			s.held(it.Value().Interface(), levels-1, strs)
		}
	}
}
