package flows

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/internal/decode"
)

var (
	durationType        = reflect.TypeFor[time.Duration]()
	treeSetterType      = reflect.TypeFor[decode.TreeSetter]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// schemaGen turns Go config types into schemas the way internal/decode reads YAML into them.
type schemaGen struct {
	// open holds the struct types being described, to stop on recursive types.
	open []reflect.Type
}

// of returns the schema of values of type t at path. inValue is true inside an actions.Value, whose
// literal is converted through encoding/json and may hold expressions at any depth.
func (g *schemaGen) of(t reflect.Type, path string, inValue bool) (*jsonSchema, error) {
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(treeSetterType) {
		elem := reflect.New(t).Interface().(decode.TreeSetter).ValueType()
		inner, err := g.of(elem, path, true)
		if err != nil {
			return nil, err
		}
		return orExpr(inner), nil
	}
	if !inValue && t == durationType {
		return durationSchema(""), nil
	}
	if t.Kind() == reflect.Pointer {
		return g.of(t.Elem(), path, inValue)
	}
	if t != durationType && reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return &jsonSchema{Type: "string"}, nil
	}
	wrap := func(s *jsonSchema) *jsonSchema {
		if inValue {
			return orExpr(s)
		}
		return s
	}
	switch t.Kind() {
	case reflect.String:
		return &jsonSchema{Type: "string"}, nil
	case reflect.Bool:
		return &jsonSchema{Type: "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &jsonSchema{Type: "integer"}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &jsonSchema{Type: "integer", Minimum: ptrTo(0.0)}, nil
	case reflect.Float32, reflect.Float64:
		return &jsonSchema{Type: "number"}, nil
	case reflect.Interface:
		return &jsonSchema{}, nil
	case reflect.Slice, reflect.Array:
		items, err := g.of(t.Elem(), path+"[]", inValue)
		if err != nil {
			return nil, err
		}
		return &jsonSchema{Type: "array", Items: wrap(items)}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: map keys must be strings, not %s", describePath(path), t.Key())
		}
		elem, err := g.of(t.Elem(), path+".*", inValue)
		if err != nil {
			return nil, err
		}
		return &jsonSchema{Type: "object", AdditionalProperties: wrap(elem)}, nil
	case reflect.Struct:
		return g.structure(t, path, inValue)
	}
	return nil, fmt.Errorf("%s: flows cannot write a value of type %s", describePath(path), t)
}

func (g *schemaGen) structure(t reflect.Type, path string, inValue bool) (*jsonSchema, error) {
	if slices.Contains(g.open, t) {
		return &jsonSchema{Type: "object"}, nil
	}
	g.open = append(g.open, t)
	defer func() { g.open = g.open[:len(g.open)-1] }()
	s := &jsonSchema{Type: "object", Properties: &schemaProps{}, AdditionalProperties: false}
	for _, f := range structFields(t, inValue) {
		fs, err := g.of(f.Type, fieldPath(path, f.Name), inValue)
		if err != nil {
			return nil, err
		}
		if inValue {
			fs = orExpr(fs)
		}
		if f.Doc != "" {
			fs.Description = f.Doc
		}
		s.Properties.set(f.Name, fs)
		if f.Required && !inValue {
			s.Required = append(s.Required, f.Name)
		}
	}
	return s, nil
}

// structFields lists the keys of a struct: as internal/decode names them, or, inside a Value (whose
// literal goes through encoding/json), by their json names.
func structFields(t reflect.Type, inValue bool) []decode.Field {
	fields := decode.Fields(t)
	if !inValue {
		return fields
	}
	out := fields[:0:0]
	for _, f := range fields {
		sf := t.FieldByIndex(f.Index)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(sf.Name[:1]) + sf.Name[1:]
		}
		f.Name = name
		out = append(out, f)
	}
	return out
}

func fieldPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describePath(path string) string {
	if path == "" {
		return "config"
	}
	return fmt.Sprintf("field %q", path)
}

// orExpr accepts s or an expression. A schema that accepts everything stays as it is.
func orExpr(s *jsonSchema) *jsonSchema {
	if s.isEmpty() {
		return s
	}
	if len(s.AnyOf) == 2 && s.AnyOf[1].Pattern == exprPattern {
		return s
	}
	return &jsonSchema{AnyOf: []*jsonSchema{s, exprSchema()}}
}

func ptrTo[T any](v T) *T { return &v }
