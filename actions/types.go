package actions

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/outflowhq/outflow/internal/expression"
	"github.com/outflowhq/outflow/internal/suggest"
	"github.com/outflowhq/outflow/internal/tree"
)

// TypeKind is the kind of a value that flows through a flow: a flow input, a step output, a screen
// field value. Values are always in their JSON form: strings, float64 numbers, bools, []any and
// map[string]any.
type TypeKind string

// The kinds of values.
const (
	KindString TypeKind = "string"
	KindNumber TypeKind = "number"
	KindBool   TypeKind = "bool"
	KindList   TypeKind = "list"
	KindObject TypeKind = "object"
	KindAny    TypeKind = "any"
)

// Type describes the shape of a value, so that expressions can be type-checked when a flow loads and
// a JSON Schema can be generated for flow files. The zero Type is Any.
type Type struct {
	Kind TypeKind
	// Elem is the element type of a list, or the value type of an open object (a map).
	Elem *Type
	// Fields lists the keys of a closed object. An object with Fields accepts no other key.
	Fields map[string]Type
	// Doc describes the value for people (schema descriptions, docs).
	Doc string
}

// String returns the string type.
func String() Type { return Type{Kind: KindString} }

// Number returns the number type (float64 at run time).
func Number() Type { return Type{Kind: KindNumber} }

// Bool returns the boolean type.
func Bool() Type { return Type{Kind: KindBool} }

// Any returns the type that accepts every value.
func Any() Type { return Type{Kind: KindAny} }

// List returns the type of a list whose elements have type elem.
func List(elem Type) Type { return Type{Kind: KindList, Elem: &elem} }

// Object returns the type of an object with exactly the given keys.
func Object(fields map[string]Type) Type {
	if fields == nil {
		fields = map[string]Type{}
	}
	return Type{Kind: KindObject, Fields: fields}
}

// Map returns the type of an object with any keys whose values have type elem.
func Map(elem Type) Type { return Type{Kind: KindObject, Elem: &elem} }

// Describe returns a copy of t with its documentation set.
func (t Type) Describe(doc string) Type {
	t.Doc = doc
	return t
}

// IsAny reports whether t accepts every value.
func (t Type) IsAny() bool { return t.Kind == "" || t.Kind == KindAny }

// FieldNames returns the keys of a closed object, sorted.
func (t Type) FieldNames() []string {
	names := make([]string, 0, len(t.Fields))
	for k := range t.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// String renders t the way error messages and docs show it, e.g. "list<string>".
func (t Type) String() string {
	switch t.Kind {
	case "", KindAny:
		return "any"
	case KindList:
		if t.Elem == nil {
			return "list"
		}
		return "list<" + t.Elem.String() + ">"
	case KindObject:
		if t.Fields == nil {
			if t.Elem == nil || t.Elem.IsAny() {
				return "object"
			}
			return "map<" + t.Elem.String() + ">"
		}
		parts := make([]string, 0, len(t.Fields))
		for _, k := range t.FieldNames() {
			parts = append(parts, k+": "+t.Fields[k].String())
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return string(t.Kind)
	}
}

// Zero returns the zero value of t in its JSON form: "", 0.0, false, an empty list, an object whose
// declared keys hold their zero values, or nil for any.
func (t Type) Zero() any {
	switch t.Kind {
	case KindString:
		return ""
	case KindNumber:
		return float64(0)
	case KindBool:
		return false
	case KindList:
		return []any{}
	case KindObject:
		m := make(map[string]any, len(t.Fields))
		for k, f := range t.Fields {
			m[k] = f.Zero()
		}
		return m
	default:
		return nil
	}
}

// Coerce checks v against t and returns it in its canonical JSON form (numbers as float64, lists as
// []any, objects as map[string]any). The error says what was expected, e.g. "expected a number, got
// a string", or names an unknown key with the closest declared one; it never quotes a value. A key
// of a closed object that v leaves out is not an error: it reads as its zero value.
func (t Type) Coerce(v any) (any, error) {
	v = normalize(v)
	switch t.Kind {
	case "", KindAny:
		return v, nil
	case KindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case KindNumber:
		if f, ok := v.(float64); ok {
			return f, nil
		}
	case KindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case KindList:
		if l, ok := v.([]any); ok {
			if t.Elem == nil || t.Elem.IsAny() {
				return l, nil
			}
			out := make([]any, len(l))
			for i, e := range l {
				c, err := t.Elem.Coerce(e)
				if err != nil {
					return nil, fmt.Errorf("item %d: %w", i, err)
				}
				out[i] = c
			}
			return out, nil
		}
	case KindObject:
		if m, ok := v.(map[string]any); ok {
			out := make(map[string]any, len(m))
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				e := m[k]
				ft := Any()
				switch {
				case t.Fields != nil:
					f, ok := t.Fields[k]
					if !ok {
						return nil, fmt.Errorf("unknown key %q%s", k, suggest.Hint(k, t.FieldNames()))
					}
					ft = f
				case t.Elem != nil:
					ft = *t.Elem
				}
				c, err := ft.Coerce(e)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
				out[k] = c
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("expected %s, got %s", describe(t), expression.DescribeValue(v))
}

// describe names what a value of type t is, for messages: "a string", "a list", ...
func describe(t Type) string {
	var rt reflect.Type
	switch t.Kind {
	case KindString:
		rt = reflect.TypeFor[string]()
	case KindNumber:
		rt = reflect.TypeFor[float64]()
	case KindBool:
		rt = reflect.TypeFor[bool]()
	case KindList:
		rt = reflect.TypeFor[[]any]()
	case KindObject:
		rt = reflect.TypeFor[map[string]any]()
	}
	return expression.DescribeType(rt)
}

// Normalize returns v in its JSON form, deeply: every number a float64, lists []any and objects
// map[string]any. Values that expressions compute (ints, typed slices) go through it before they
// are stored or compared.
func Normalize(v any) any { return tree.Normalize(v) }

// normalize converts one level of v into its JSON form.
func normalize(v any) any { return tree.Scalar(v) }

// TypeOf derives a Type from a Go value's type: structs become closed objects keyed by their json
// tags, slices lists, maps open objects, numbers numbers, time.Time a string (RFC 3339). Hosts use it
// to declare an action's outputs from a Go struct.
func TypeOf(v any) Type {
	if v == nil {
		return Any()
	}
	return typeOf(reflect.TypeOf(v))
}

var timeType = reflect.TypeOf(time.Time{})

func typeOf(rt reflect.Type) Type {
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	if rt == timeType {
		return String().Describe("a time in RFC 3339 form")
	}
	switch rt.Kind() {
	case reflect.String:
		return String()
	case reflect.Bool:
		return Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return Number()
	case reflect.Slice, reflect.Array:
		return List(typeOf(rt.Elem()))
	case reflect.Map:
		return Map(typeOf(rt.Elem()))
	case reflect.Struct:
		fields := map[string]Type{}
		for i := range rt.NumField() {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			ft := typeOf(f.Type)
			ft.Doc = f.Tag.Get("doc")
			fields[name] = ft
		}
		return Object(fields)
	}
	return Any()
}
