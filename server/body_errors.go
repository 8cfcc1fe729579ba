package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// describeReadError says why a body could not be read: too large, or cut short.
func describeReadError(err error) string {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Sprintf("the body is larger than %d bytes", mbe.Limit)
	}
	return "the body could not be read"
}

// describeJSONError turns an error of decoding a body into v into a message for the client. It
// names the field (as a dotted path) and the kind of value it takes, never the value sent, which
// may be a secret.
func describeJSONError(err error, v any) string {
	var (
		syn *jsontext.SyntacticError
		sem *jsonv2.SemanticError
	)
	switch {
	case errors.As(err, &syn) && errors.Is(err, jsontext.ErrDuplicateName):
		return fmt.Sprintf("field %q appears twice; send it once", fieldPath(syn.JSONPointer))
	case errors.As(err, &syn) && syn.JSONPointer == "" && syn.ByteOffset > 0 && strings.Contains(syn.Err.Error(), "after top-level value"):
		return "the body must hold a single JSON object"
	case errors.As(err, &syn):
		return fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.ByteOffset)
	case errors.As(err, &sem) && errors.Is(err, jsonv2.ErrUnknownName):
		return unknownFieldMessage(sem, v)
	case errors.As(err, &sem) && sem.JSONPointer == "":
		return "the body must be a JSON object"
	case errors.As(err, &sem):
		return fmt.Sprintf("field %q must be %s", fieldPath(sem.JSONPointer), jsonKind(expectedKind(sem)))
	}
	return "the body is not valid JSON"
}

// unknownFieldMessage names an unknown field, and the field it may have meant when only the case
// differs ("userID" for "userId").
func unknownFieldMessage(sem *jsonv2.SemanticError, v any) string {
	name := sem.JSONPointer.LastToken()
	msg := fmt.Sprintf("unknown field %q", fieldPath(sem.JSONPointer))
	t := sem.GoType
	if t == nil {
		t = reflect.TypeOf(v)
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Struct {
		if known := foldedField(t, name); known != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", known)
		}
	}
	return msg
}

// foldedField is the JSON name of a field of struct type t (embedded structs included) that
// equals name but for case, or "".
func foldedField(t reflect.Type, name string) string {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case tag == "-" || !f.IsExported():
		case f.Anonymous && tag == "" && ft.Kind() == reflect.Struct:
			if known := foldedField(ft, name); known != "" {
				return known
			}
		case tag != "" && strings.EqualFold(tag, name):
			return tag
		}
	}
	return ""
}

// expectedKind is the Go kind of the value a field takes.
func expectedKind(sem *jsonv2.SemanticError) string {
	var typ *json.UnmarshalTypeError // from a type's own UnmarshalJSON (a secret's)
	if errors.As(sem.Err, &typ) && typ.Type != nil {
		return typ.Type.Kind().String()
	}
	if sem.GoType == nil {
		return ""
	}
	t := sem.GoType
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind().String()
}

// fieldPath turns a JSON pointer ("/apiKey/probe/headers/0") into a dotted path
// ("apiKey.probe.headers[0]").
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "":
		return "another kind of value"
	}
	return "a number"
}
