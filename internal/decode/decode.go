// Package decode decodes YAML nodes into Go values strictly: unknown keys, wrong types, duplicate
// keys and missing required fields are all reported at once with their line and column. Fields that
// implement TreeSetter (actions.Value) receive a value tree whose scalars may be expressions.
// Documents whose aliases expand past MaxNodes are refused before anything is decoded.
package decode

import (
	"encoding"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/expression"
	"github.com/outflowhq/outflow/internal/suggest"
	"github.com/outflowhq/outflow/internal/tree"
)

// Problem is one decoding error.
type Problem struct {
	Line, Col int
	Msg       string
	// Contained marks a problem that stays where it is, the rest of the value decoded normally: a
	// key the target does not have, or text mixed with an expression (kept as the text).
	Contained bool
}

// TreeSetter is implemented by fields that accept expressions (actions.Value).
type TreeSetter interface {
	// SetTree receives a *tree.Node: the argument is any so that no internal type appears in
	// the public API of actions.Value.
	SetTree(n any) error
	ValueType() reflect.Type
}

// ValueRef is a decoded expression-capable field.
type ValueRef struct {
	Path string
	Tree *tree.Node
	Want reflect.Type
	// Secret is true when the field is declared with `secret:"true"`: its expressions may read the
	// values of secret screen fields.
	Secret bool
}

// Contained reports whether every problem is contained, so the decoded value is otherwise
// complete and worth validating, and its expressions worth checking.
func (r Result) Contained() bool {
	for _, p := range r.Problems {
		if !p.Contained {
			return false
		}
	}
	return true
}

// Result is what decoding produced besides the value itself.
type Result struct {
	Problems []Problem
	Values   []ValueRef
	// Paths maps field paths ("scopes", "fields[1].name") to the position of their value node.
	Paths map[string][2]int
}

// Into decodes node into out (a non-nil pointer). where names the thing decoded in messages, e.g.
// `outbound.connect`.
func Into(node *yaml.Node, out any, where string) Result { return IntoFile(nil, node, out, where) }

// IntoFile is Into for a node parsed from file, which locates each character of an expression
// exactly (see Scalar).
func IntoFile(file []byte, node *yaml.Node, out any, where string) Result {
	d := &decoder{res: Result{Paths: map[string][2]int{}}, file: file}
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("decode.Into needs a non-nil pointer")
	}
	if p := CheckSize(node, MaxNodes); p != nil {
		d.res.Problems = append(d.res.Problems, *p)
		return d.res
	}
	d.value(node, rv.Elem(), "", where, false)
	return d.res
}

type decoder struct {
	res  Result
	file []byte
}

func (d *decoder) fail(n *yaml.Node, format string, args ...any) {
	d.res.Problems = append(d.res.Problems, Problem{Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

var (
	durationType        = reflect.TypeOf(time.Duration(0))
	treeSetterType      = reflect.TypeOf((*TreeSetter)(nil)).Elem()
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return resolve(n.Content[0])
	}
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// value decodes n into v. secret is true inside a field declared `secret:"true"`.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path, where string, secret bool) {
	n = resolve(n)
	if n == nil {
		return
	}
	d.res.Paths[path] = [2]int{n.Line, n.Column}
	if v.CanAddr() && v.Addr().Type().Implements(treeSetterType) {
		setter := v.Addr().Interface().(TreeSetter)
		t := d.tree(n)
		if t == nil {
			return
		}
		if err := setter.SetTree(t); err != nil {
			d.fail(n, "%s: %v", describe(path, where), err)
			return
		}
		d.res.Values = append(d.res.Values, ValueRef{Path: path, Tree: t, Want: setter.ValueType(), Secret: secret})
		return
	}
	if n.Kind == yaml.ScalarNode && IsExpression(n) {
		d.fail(n, "%s does not accept expressions; write a literal value", describe(path, where))
		return
	}
	if v.CanAddr() && v.Type() != durationType && v.Addr().Type().Implements(textUnmarshalerType) {
		if n.Kind != yaml.ScalarNode {
			d.fail(n, "%s must be a single value", describe(path, where))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(n, "%s: %v", describe(path, where), err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path, where, secret)
	case reflect.Struct:
		d.structure(n, v, path, where, secret)
	case reflect.Map:
		d.mapping(n, v, path, where, secret)
	case reflect.Slice:
		d.sequence(n, v, path, where, secret)
	case reflect.Interface:
		if n.Kind == yaml.ScalarNode || !hasExpression(n) {
			var x any
			if err := n.Decode(&x); err != nil {
				d.fail(n, "%s: %v", describe(path, where), err)
				return
			}
			if x != nil {
				v.Set(reflect.ValueOf(x))
			}
			return
		}
		d.fail(n, "%s does not accept expressions; write a literal value", describe(path, where))
	default:
		d.scalar(n, v, path, where)
	}
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path, where string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, "%s must be %s, not a %s", describe(path, where), expected(v.Type()), nodeKind(n))
		return
	}
	if v.Type() == durationType {
		dur, err := time.ParseDuration(n.Value)
		if err != nil || n.Tag != "!!str" {
			d.fail(n, "%s must be a duration such as 30s, 5m or 1h30m", describe(path, where))
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Tag == "!!null" {
			return
		}
		v.SetString(n.Value)
		return
	case reflect.Bool:
		if n.Tag != "!!bool" {
			d.fail(n, "%s must be true or false", describe(path, where))
			return
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Tag != "!!int" {
			d.fail(n, "%s must be a whole number", describe(path, where))
			return
		}
	case reflect.Float32, reflect.Float64:
		if n.Tag != "!!int" && n.Tag != "!!float" {
			d.fail(n, "%s must be a number", describe(path, where))
			return
		}
	default:
		d.fail(n, "%s has a type this decoder cannot fill (%s)", describe(path, where), v.Type())
		return
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.fail(n, "%s must be %s", describe(path, where), expected(v.Type()))
	}
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path, where string, secret bool) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s must be a list, not a %s", describe(path, where), nodeKind(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), where, secret)
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path, where string, secret bool) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping of names to values, not a %s", describe(path, where), nodeKind(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		d.fail(n, "%s has a key type this decoder cannot fill", describe(path, where))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			d.fail(k, "duplicate key %q in %s", k.Value, describe(path, where))
			continue
		}
		seen[k.Value] = true
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(val, elem, join(path, k.Value), where, secret)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path, where string, secret bool) {
	if isNull(n) {
		d.required(n, v, path, where, map[string]bool{})
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping, not a %s", describe(path, where), nodeKind(n))
		return
	}
	fields := Fields(v.Type())
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		names = append(names, f.Name)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			d.fail(k, "duplicate key %q in %s", k.Value, describe(path, where))
			continue
		}
		seen[k.Value] = true
		f, ok := fieldNamed(fields, k.Value)
		if !ok {
			d.fail(k, "unknown field %q in %s%s", k.Value, describe(path, where), suggest.Hint(k.Value, names))
			d.res.Problems[len(d.res.Problems)-1].Contained = true
			continue
		}
		d.value(val, v.FieldByIndex(f.Index), join(path, f.Name), where, secret || f.Secret)
	}
	d.required(n, v, path, where, seen)
}

func (d *decoder) required(n *yaml.Node, v reflect.Value, path, where string, seen map[string]bool) {
	var missing []string
	for _, f := range Fields(v.Type()) {
		if f.Required && !seen[f.Name] {
			missing = append(missing, f.Name)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		d.fail(n, "missing required field %q in %s", m, describe(path, where))
	}
}

// Field describes one decodable struct field.
type Field struct {
	Name     string
	Index    []int
	Type     reflect.Type
	Required bool
	// Secret marks a field whose expressions may read secret screen fields.
	Secret bool
	Doc    string
}

// Fields lists the decodable fields of a struct type: exported fields named by their `yaml` tag (or
// their name with a lowercase first letter), marked required by `required:"true"`, allowed to
// read secret screen fields by `secret:"true"`, documented by `doc:"..."`.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name[:1]) + sf.Name[1:]
		}
		out = append(out, Field{
			Name:     name,
			Index:    sf.Index,
			Type:     sf.Type,
			Required: sf.Tag.Get("required") == "true",
			Secret:   sf.Tag.Get("secret") == "true",
			Doc:      sf.Tag.Get("doc"),
		})
	}
	return out
}

func fieldNamed(fields []Field, name string) (Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

func describe(path, where string) string {
	switch {
	case path == "":
		return where
	case where == "":
		return fmt.Sprintf("%q", path)
	}
	return fmt.Sprintf("%q in %s", path, where)
}

func expected(t reflect.Type) string { return expression.DescribeType(t) }

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "single value"
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }
