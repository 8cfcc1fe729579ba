package flows

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// jsonSchema is one schema object of the document; its keys are written in this order.
type jsonSchema struct {
	Schema               string        `json:"$schema,omitempty"`
	Ref                  string        `json:"$ref,omitempty"`
	Title                string        `json:"title,omitempty"`
	Description          string        `json:"description,omitempty"`
	Type                 any           `json:"type,omitempty"` // a name or a list of names
	Const                any           `json:"const,omitempty"`
	Enum                 []string      `json:"enum,omitempty"`
	EnumDescriptions     []string      `json:"enumDescriptions,omitempty"` // shown by editors
	Pattern              string        `json:"pattern,omitempty"`
	PatternErrorMessage  string        `json:"patternErrorMessage,omitempty"` // shown by editors
	Minimum              *float64      `json:"minimum,omitempty"`
	Maximum              *float64      `json:"maximum,omitempty"`
	MinItems             int           `json:"minItems,omitempty"`
	Items                *jsonSchema   `json:"items,omitempty"`
	MinProperties        int           `json:"minProperties,omitempty"`
	Properties           *schemaProps  `json:"properties,omitempty"`
	Required             []string      `json:"required,omitempty"`
	PropertyNames        *jsonSchema   `json:"propertyNames,omitempty"`
	AdditionalProperties any           `json:"additionalProperties,omitempty"` // *jsonSchema or false
	Not                  *jsonSchema   `json:"not,omitempty"`
	AnyOf                []*jsonSchema `json:"anyOf,omitempty"`
	OneOf                []*jsonSchema `json:"oneOf,omitempty"`
	AllOf                []*jsonSchema `json:"allOf,omitempty"`
	If                   *jsonSchema   `json:"if,omitempty"`
	Then                 *jsonSchema   `json:"then,omitempty"`
	XOutcomes            []string      `json:"x-outcomes,omitempty"`
	XOutputs             *jsonSchema   `json:"x-outputs,omitempty"`
	XErrors              []string      `json:"x-errors,omitempty"`
	Defs                 *schemaProps  `json:"$defs,omitempty"`
}

func (s *jsonSchema) isEmpty() bool { return reflect.DeepEqual(*s, jsonSchema{}) }

// prop returns the schema of property name, which must exist.
func (s *jsonSchema) prop(name string) *jsonSchema {
	p, ok := s.Properties.get(name)
	if !ok {
		panic("flow schema: no property " + name)
	}
	return p.(*jsonSchema)
}

// schemaProps is an ordered mapping of names to schemas (*jsonSchema, or false for "not allowed").
type schemaProps struct{ list []schemaProp }

type schemaProp struct {
	name   string
	schema any
}

func props(pairs ...any) *schemaProps {
	p := &schemaProps{}
	for i := 0; i+1 < len(pairs); i += 2 {
		p.set(pairs[i].(string), pairs[i+1])
	}
	return p
}

func (p *schemaProps) set(name string, schema any) {
	for i := range p.list {
		if p.list[i].name == name {
			p.list[i].schema = schema
			return
		}
	}
	p.list = append(p.list, schemaProp{name, schema})
}

func (p *schemaProps) get(name string) (any, bool) {
	for _, e := range p.list {
		if e.name == name {
			return e.schema, true
		}
	}
	return nil, false
}

func (p *schemaProps) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range p.list {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := encodeJSON(e.name)
		if err != nil {
			return nil, err
		}
		v, err := encodeJSON(e.schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encodeJSON marshals v without escaping <, > and & (descriptions say steps.<id>.output).
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
