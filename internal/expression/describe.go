package expression

import (
	"fmt"
	"reflect"
)

// DescribeType names a Go type the way messages to flow authors do: "a string", "a number", "a
// whole number", "true or false", "a list", "an object", "a value".
func DescribeType(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Interface:
		return "a value"
	}
	return t.String()
}

// DescribeValue names the kind of a value: "nothing", "a string", "a number", "a boolean", "a list",
// "an object".
func DescribeValue(v any) string {
	if v == nil {
		return "nothing"
	}
	t := reflect.TypeOf(v)
	switch {
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case isNumber(t.Kind()):
		return "a number"
	case t.Kind() == reflect.String, t.Kind() == reflect.Slice, t.Kind() == reflect.Array,
		t.Kind() == reflect.Map, t.Kind() == reflect.Struct:
		return DescribeType(t)
	}
	return fmt.Sprintf("a %T", v)
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}
