package actions_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

// A host's action declares its settings as actions.Value: no method of Value may name a type of
// an internal package, which the host could neither import nor satisfy.
func TestValueMethodsNameNoInternalType(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[*actions.Value[string]](), reflect.TypeFor[*actions.Value[any]](),
		reflect.TypeFor[actions.Value[[]string]](),
	} {
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			for _, p := range signatureTypes(m.Type) {
				if strings.Contains(p.PkgPath(), "/internal/") || strings.HasSuffix(p.PkgPath(), "/internal") {
					t.Errorf("%s.%s names %s of %s", typ, m.Name, p, p.PkgPath())
				}
			}
		}
	}
}

// signatureTypes lists the named types of a method's parameters and results, through pointers,
// slices and maps.
func signatureTypes(fn reflect.Type) []reflect.Type {
	var out []reflect.Type
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
			walk(t.Elem())
		case reflect.Map:
			walk(t.Key())
			walk(t.Elem())
		default:
			out = append(out, t)
		}
	}
	for i := range fn.NumIn() {
		walk(fn.In(i))
	}
	for i := range fn.NumOut() {
		walk(fn.Out(i))
	}
	return out
}
