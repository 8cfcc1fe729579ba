package decode

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/tree"
)

// value is a TreeSetter like actions.Value: it keeps the tree it was given.
type value struct{ t *tree.Node }

func (v *value) SetTree(decoded any) error {
	n := decoded.(*tree.Node)
	if n.Kind == tree.Literal && n.Lit == "refuse" {
		return fmt.Errorf("refused")
	}
	v.t = n
	return nil
}

func (v *value) ValueType() reflect.Type { return reflect.TypeFor[string]() }

type inner struct {
	Name string `yaml:"name" required:"true"`
	Note value  `yaml:"note"`
}

type config struct {
	Text     string            `yaml:"text"`
	Flag     bool              `yaml:"flag"`
	Count    int               `yaml:"count"`
	Small    uint8             `yaml:"small"`
	Ratio    float64           `yaml:"ratio"`
	Wait     time.Duration     `yaml:"wait"`
	Addr     netip.Addr        `yaml:"addr"`
	Ptr      *int              `yaml:"ptr"`
	Inner    inner             `yaml:"inner"`
	List     []string          `yaml:"list"`
	Map      map[string]int    `yaml:"map"`
	Any      any               `yaml:"any"`
	Value    value             `yaml:"value"`
	Values   []value           `yaml:"values"`
	Secret   value             `yaml:"secret" secret:"true"`
	Secrets  map[string]value  `yaml:"secrets" secret:"true"`
	Nested   *inner            `yaml:"nested" secret:"true"`
	Required string            `required:"true"`
	Skipped  string            `yaml:"-"`
	hidden   string            //nolint:unused // unexported fields are not decoded
	Labels   map[string]string `yaml:"labels"`
}

func parse(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

func problems(res Result) string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, fmt.Sprintf("%d:%d: %s", p.Line, p.Col, p.Msg))
	}
	return strings.Join(out, "\n")
}

func TestIntoFillsEveryKindOfField(t *testing.T) {
	t.Parallel()
	src := `
text: hello
flag: true
count: -3
small: 7
ratio: 2
wait: 1m30s
addr: 10.0.0.1
ptr: 4
inner: {name: a, note: n}
list: [x, y]
map: {a: 1}
any: {k: [1, two]}
value: ${{ input.name }}
values: [plain, "${{ 1 + 1 }}"]
secret: ${{ form.pw }}
secrets:
  a: ${{ form.pw }}
nested:
  name: b
  note: ${{ form.pw }}
required: yes
labels: {a: b}
`
	var c config
	res := IntoFile([]byte(src), parse(t, src), &c, "thing")
	if len(res.Problems) > 0 {
		t.Fatal(problems(res))
	}
	n := 4
	want := config{
		Text: "hello", Flag: true, Count: -3, Small: 7, Ratio: 2, Wait: 90 * time.Second,
		Addr: netip.MustParseAddr("10.0.0.1"), Ptr: &n, Inner: inner{Name: "a"}, List: []string{"x", "y"},
		Map: map[string]int{"a": 1}, Any: map[string]any{"k": []any{1, "two"}}, Required: "yes", Labels: map[string]string{"a": "b"},
	}
	got := c
	got.Inner.Note, got.Value, got.Values, got.Secret, got.Secrets, got.Nested = value{}, value{}, nil, value{}, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if c.Inner.Note.t.Lit != "n" || c.Value.t.Kind != tree.Expr || c.Value.t.Source != "input.name" || c.Values[1].t.Source != "1 + 1" {
		t.Errorf("value trees: %+v %+v %+v", c.Inner.Note.t, c.Value.t, c.Values)
	}
	var refs []string
	for _, r := range res.Values {
		refs = append(refs, fmt.Sprintf("%s secret=%v", r.Path, r.Secret))
	}
	wantRefs := "inner.note secret=false,value secret=false,values[0] secret=false,values[1] secret=false," +
		"secret secret=true,secrets.a secret=true,nested.note secret=true"
	if strings.Join(refs, ",") != wantRefs {
		t.Errorf("values = %s", strings.Join(refs, ","))
	}
	if p := res.Paths["inner.name"]; p != [2]int{10, 15} {
		t.Errorf("inner.name at %v", p)
	}
}

func TestIntoReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := `
text: [a]
flag: yes please
count: 1.5
ratio: many
wait: 30
addr: nowhere
inner: {nmae: a}
list: {a: b}
map: [1]
any: {k: "${{ x }}"}
value: Hello ${{ name }}
values: [refuse]
count: 2
secret: {a: 1, a: 2}
labels: {a: b, a: c}
required: ${{ input.x }}
extra: 1
`
	var c config
	res := IntoFile([]byte(src), parse(t, src), &c, "thing")
	want := `2:7: "text" in thing must be a string, not a list
3:7: "flag" in thing must be true or false
4:8: "count" in thing must be a whole number
5:8: "ratio" in thing must be a number
6:7: "wait" in thing must be a duration such as 30s, 5m or 1h30m
7:7: "addr" in thing: ParseAddr("nowhere"): unable to parse IP
8:9: unknown field "nmae" in "inner" in thing (did you mean "name"?)
8:8: missing required field "name" in "inner" in thing
9:7: "list" in thing must be a list, not a mapping
10:6: "map" in thing must be a mapping of names to values, not a list
11:6: "any" in thing does not accept expressions; write a literal value
12:8: an expression must be the whole value: write ${{ ... }} alone, and build text inside it, e.g. ${{ "Hello " + input.name }}
13:10: "values[0]" in thing: refused
14:1: duplicate key "count" in thing
15:16: duplicate key "a"
16:16: duplicate key "a" in "labels" in thing
17:11: "required" in thing does not accept expressions; write a literal value
18:1: unknown field "extra" in thing`
	if got := problems(res); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if res.Contained() {
		t.Error("OnlyUnknownKeys with type errors")
	}
}

func TestMissingRequiredFieldsAndUnknownKeys(t *testing.T) {
	t.Parallel()
	var c config
	res := Into(parse(t, "tetx: a\n"), &c, "thing")
	if got := problems(res); got != "1:1: unknown field \"tetx\" in thing (did you mean \"text\"?)\n1:1: missing required field \"required\" in thing" {
		t.Errorf("got %s", got)
	}
	res = Into(parse(t, "required: a\ntetx: a\n"), &c, "thing")
	if !res.Contained() || len(res.Problems) != 1 || !res.Problems[0].Contained {
		t.Errorf("got %+v", res.Problems)
	}
	var empty config
	if got := problems(Into(parse(t, "~\n"), &empty, "thing")); got != "1:1: missing required field \"required\" in thing" {
		t.Errorf("null config: %s", got)
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	fields := Fields(reflect.TypeFor[config]())
	var names []string
	for _, f := range fields {
		if f.Required || f.Secret {
			names = append(names, fmt.Sprintf("%s(required=%v,secret=%v)", f.Name, f.Required, f.Secret))
		}
	}
	want := "secret(required=false,secret=true),secrets(required=false,secret=true),nested(required=false,secret=true),required(required=true,secret=false)"
	if strings.Join(names, ",") != want {
		t.Errorf("got %s", strings.Join(names, ","))
	}
	for _, f := range fields {
		if f.Name == "Skipped" || f.Name == "hidden" {
			t.Errorf("field %s listed", f.Name)
		}
	}
}

func TestIsExpression(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]bool{
		`v: ${{ x }}`: true, `v: "  ${{ x }} "`: true, `v: a ${{ x }}`: false, `v: "${{ x"`: false,
		`v: !!int 3`: false, `v: ["${{ x }}"]`: false,
	} {
		n := parse(t, src).Content[0].Content[1]
		if got := IsExpression(n); got != want {
			t.Errorf("%s: %v", src, got)
		}
	}
}
