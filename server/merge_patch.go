package server

import (
	"net/http"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/outflowhq/outflow/outbound/apps"
)

// readAppPatch reads the body of PATCH /v1/apps/{appId}, a JSON merge patch (RFC 7396, sent as
// application/merge-patch+json or application/json): a null removes its field, listed in the
// patch's Remove; inside a map (authorizationParams, tokenParams, probe headers) a null removes
// that key. The body is read as strictly as any other.
func (s *Server) readAppPatch(w http.ResponseWriter, r *http.Request) (apps.AppPatch, error) {
	var p apps.AppPatch
	var doc map[string]jsontext.Value
	if err := s.readJSON(w, r, &doc); err != nil {
		return p, err
	}
	remove := splitNulls(doc, reflect.TypeFor[apps.AppPatch](), "")
	rest, err := jsonv2.Marshal(doc)
	if err == nil {
		err = jsonv2.Unmarshal(rest, &p, jsonv2.RejectUnknownMembers(true))
	}
	if err != nil {
		return p, &bodyError{msg: describeJSONError(err, &p), status: http.StatusBadRequest}
	}
	for _, name := range remove {
		if !apps.IsPatchField(name) {
			return p, &bodyError{msg: "unknown field " + quote(name), status: http.StatusBadRequest}
		}
	}
	p.Remove = remove
	return p, nil
}

// splitNulls takes the null members out of doc, an object of struct type t, and returns their
// dotted names under prefix. It goes into the members that are objects of a struct type too;
// nulls in a map stay, as the map's own merge removes those keys.
func splitNulls(doc map[string]jsontext.Value, t reflect.Type, prefix string) []string {
	var out []string
	for name, v := range doc {
		switch {
		case v.Kind() == 'n':
			out = append(out, prefix+name)
			delete(doc, name)
		case v.Kind() == '{':
			ft, ok := structField(t, name)
			if !ok {
				continue // an unknown field: the strict decode names it
			}
			var sub map[string]jsontext.Value
			if jsonv2.Unmarshal(v, &sub) != nil {
				continue
			}
			out = append(out, splitNulls(sub, ft, prefix+name+".")...)
			if b, err := jsonv2.Marshal(sub); err == nil {
				doc[name] = b
			}
		}
	}
	return out
}

// structField is the struct type of the field of t named name in JSON, when it is one.
func structField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			return ft, ft.Kind() == reflect.Struct
		}
	}
	return nil, false
}

func quote(s string) string { return `"` + s + `"` }
