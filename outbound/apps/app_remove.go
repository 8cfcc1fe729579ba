package apps

import (
	"reflect"
	"strings"

	"github.com/outflowhq/outflow/outbound"
)

// What a null means in a JSON merge patch of an app (RFC 7396): the field is removed, which sets
// it to its zero value; WithDefaults then fills in the default of a field that has one. A few
// fields need more than their zero (see removeSpecial).

// removeSpecial removes the fields whose removal is not their zero value: the client secret (not
// a JSON field of App), PKCE (on by default for oauth2 apps), and the id and kind, which cannot
// be removed. clearClientSecret and apiKey.removeProbe are requests, not settings: null leaves
// them unsent.
var removeSpecial = map[string]func(a *App, probs *Problems){
	"id":                 func(_ *App, probs *Problems) { probs.Add("id", "cannot be removed") },
	"kind":               func(_ *App, probs *Problems) { probs.Add("kind", "cannot be removed") },
	"clientSecret":       func(a *App, _ *Problems) { a.ClientSecret = outbound.Secret{} },
	"pkce":               func(a *App, _ *Problems) { a.PKCE = a.Kind == KindOAuth2 },
	"clearClientSecret":  func(*App, *Problems) {},
	"apiKey.removeProbe": func(*App, *Problems) {},
}

// remove applies the Remove list of a patch to a, recording a problem for a name that is no
// field of a patch.
func (p *AppPatch) remove(a *App, probs *Problems) {
	for _, name := range p.Remove {
		if special, ok := removeSpecial[name]; ok {
			special(a, probs)
			continue
		}
		if !IsPatchField(name) {
			probs.Add(name, "is not a field of an app")
			continue
		}
		zeroField(reflect.ValueOf(a).Elem(), name)
	}
}

// IsPatchField reports whether the dotted JSON path ("probe.headers") names a field of AppPatch,
// as a merge patch's null must.
func IsPatchField(path string) bool { return patchHasField(reflect.TypeFor[AppPatch](), path) }

// patchHasField reports whether the dotted JSON path names a field of the patch type t.
func patchHasField(t reflect.Type, path string) bool {
	head, rest, nested := strings.Cut(path, ".")
	f, ok := jsonField(t, head)
	if !ok {
		return false
	}
	if !nested {
		return true
	}
	ft := f.Type
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	return ft.Kind() == reflect.Struct && patchHasField(ft, rest)
}

// zeroField sets the field at the dotted JSON path of struct v to its zero value. A path
// through a nil pointer names nothing to remove.
func zeroField(v reflect.Value, path string) {
	head, rest, nested := strings.Cut(path, ".")
	f, ok := jsonField(v.Type(), head)
	if !ok {
		return
	}
	fv := v.FieldByIndex(f.Index)
	if !nested {
		fv.SetZero()
		return
	}
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return
		}
		fv = fv.Elem()
	}
	if fv.Kind() == reflect.Struct {
		zeroField(fv, rest)
	}
}

// jsonField finds the field of struct type t whose JSON name is name.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name && tag != "-" && f.IsExported() {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
