package flows

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
)

func coreRegistry(t *testing.T) *actions.Registry {
	t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestSchemaGolden(t *testing.T) {
	t.Parallel()
	got, err := Schema(coreRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "schema.golden.json", got)
}

// schemaDoc generates the schema for reg and parses it.
func schemaDoc(t *testing.T, reg *actions.Registry) map[string]any {
	t.Helper()
	b, err := Schema(reg)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("schema is not valid JSON: %v", err)
	}
	return doc
}

// at walks a parsed schema by keys and list indexes ("allOf", "0", ...).
func at(t *testing.T, v any, path ...string) any {
	t.Helper()
	for i, key := range path {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[key]
			if !ok {
				t.Fatalf("schema has no %s", strings.Join(path[:i+1], "/"))
			}
			v = next
		case []any:
			n, err := strconv.Atoi(key)
			if err != nil || n >= len(x) {
				t.Fatalf("schema has no %s", strings.Join(path[:i+1], "/"))
			}
			v = x[n]
		default:
			t.Fatalf("schema has no %s", strings.Join(path[:i+1], "/"))
		}
	}
	return v
}

// branchFor finds the then-branch of a step schema for `action: kind`.
func branchFor(t *testing.T, doc map[string]any, kind string) map[string]any {
	t.Helper()
	for _, b := range at(t, doc, "$defs", "step", "allOf").([]any) {
		cond := at(t, b, "if").(map[string]any)
		p, ok := cond["properties"].(map[string]any)
		if !ok {
			continue
		}
		if at(t, p, "action", "const") == kind {
			return at(t, b, "then").(map[string]any)
		}
	}
	t.Fatalf("no branch for action %q", kind)
	return nil
}

func TestSchemaCoversEveryKindAndKey(t *testing.T) {
	t.Parallel()
	reg := coreRegistry(t)
	doc := schemaDoc(t, reg)
	if at(t, doc, "$schema") != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", doc["$schema"])
	}
	if at(t, doc, "additionalProperties") != false {
		t.Error("unknown top-level keys are not rejected")
	}
	top := at(t, doc, "properties").(map[string]any)
	for _, k := range topKeys {
		if _, ok := top[k]; !ok {
			t.Errorf("flow key %q is missing from the schema", k)
		}
	}
	step := at(t, doc, "$defs", "step").(map[string]any)
	if step["additionalProperties"] != false {
		t.Error("unknown step keys are not rejected")
	}
	for _, k := range stepKeys {
		if _, ok := at(t, step, "properties").(map[string]any)[k]; !ok {
			t.Errorf("step key %q is missing from the schema", k)
		}
	}
	names := at(t, step, "properties", "action", "enum").([]any)
	for _, k := range reg.Kinds() {
		if !slices.Contains(names, any(k.Name)) {
			t.Errorf("action enum lacks %q", k.Name)
		}
		then := branchFor(t, doc, k.Name)
		if got := at(t, then, "properties", "with", "$ref"); got != "#/$defs/config."+k.Name {
			t.Errorf("with of %s refers to %v", k.Name, got)
		}
		cfg := at(t, doc, "$defs", "config."+k.Name).(map[string]any)
		if !strings.HasPrefix(cfg["description"].(string), k.Doc) {
			t.Errorf("config of %s is not described by the kind's doc: %q", k.Name, cfg["description"])
		}
	}
	// A known field of a nested config struct, closed to other keys.
	button := at(t, doc, "$defs", "config.screen", "properties", "buttons", "items").(map[string]any)
	if button["additionalProperties"] != false {
		t.Error("screen buttons accept unknown keys")
	}
	if at(t, button, "properties", "label", "anyOf", "1", "pattern") != exprPattern {
		t.Error("a button label does not accept an expression")
	}
	if !slices.Equal(at(t, button, "required").([]any), []any{"id"}) {
		t.Errorf("button required = %v, want [id]", button["required"])
	}
	// A fail step must have with (its code is required); on and next are not allowed after it.
	fail := branchFor(t, doc, "fail")
	if !slices.Equal(fail["required"].([]any), []any{"with"}) {
		t.Errorf("fail branch required = %v", fail["required"])
	}
	if at(t, fail, "properties", "next") != false {
		t.Error("next is allowed on a fail step")
	}
}

// lookupConfig is the config of a custom kind registered by a host.
type lookupConfig struct {
	Source  string                           `yaml:"source" required:"true" doc:"where to look"`
	Keys    actions.Value[[]string]          `yaml:"keys" doc:"keys to read"`
	Wait    time.Duration                    `yaml:"wait"`
	Limits  map[string]int                   `yaml:"limits"`
	Extra   *lookupExtra                     `yaml:"extra"`
	Headers actions.Value[map[string]string] `yaml:"headers"`
}

type lookupExtra struct {
	Depth uint    `yaml:"depth"`
	Ratio float64 `yaml:"ratio"`
}

func TestSchemaIncludesHostKinds(t *testing.T) {
	t.Parallel()
	reg := coreRegistry(t)
	lookup := actions.Define(actions.Kind{
		Name:     "acme.lookup",
		Doc:      "Looks things up.",
		Outcomes: []string{"missing"},
		Errors:   []string{"unavailable"},
		Outputs:  actions.Object(map[string]actions.Type{"count": actions.Number()}),
	}, func(context.Context, *actions.Call, *lookupConfig) (actions.Result, error) {
		return actions.Done(actions.Success, nil), nil
	})
	if err := reg.Add(lookup); err != nil {
		t.Fatal(err)
	}
	doc := schemaDoc(t, reg)
	cfg := at(t, doc, "$defs", "config.acme.lookup").(map[string]any)
	if cfg["additionalProperties"] != false {
		t.Error("the host kind's config accepts unknown keys")
	}
	for path, want := range map[string]any{
		"properties/source/type":                                          "string",
		"properties/source/description":                                   "where to look",
		"properties/keys/anyOf/0/items/anyOf/0/type":                      "string",
		"properties/keys/anyOf/1/pattern":                                 exprPattern,
		"properties/wait/pattern":                                         durationPattern,
		"properties/limits/additionalProperties/type":                     "integer",
		"properties/extra/properties/depth/minimum":                       0.0,
		"properties/extra/additionalProperties":                           false,
		"properties/headers/anyOf/0/additionalProperties/anyOf/1/pattern": exprPattern,
	} {
		if got := at(t, cfg, strings.Split(path, "/")...); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	then := branchFor(t, doc, "acme.lookup")
	if got := at(t, then, "x-outcomes"); !slices.Equal(got.([]any), []any{"success", "missing"}) {
		t.Errorf("x-outcomes = %v", got)
	}
	if got := at(t, then, "properties", "on", "propertyNames", "enum"); !slices.Equal(got.([]any), []any{"success", "missing"}) {
		t.Errorf("on keys = %v", got)
	}
	if got := at(t, then, "properties", "catch", "propertyNames", "enum"); !slices.Equal(got.([]any), []any{"any", "internal", "timeout", "unavailable"}) {
		t.Errorf("catch keys = %v", got)
	}
	if got := at(t, then, "x-outputs", "properties", "count", "type"); got != "number" {
		t.Errorf("x-outputs count type = %v", got)
	}
	if !strings.Contains(cfg["description"].(string), "Output (steps.<id>.output): {count: number}.") {
		t.Errorf("description does not list the outputs: %q", cfg["description"])
	}
}

func TestSchemaRefusesUnwritableConfig(t *testing.T) {
	t.Parallel()
	type bad struct {
		Callback func() `yaml:"callback"`
	}
	reg := actions.NewRegistry()
	k := actions.Define(actions.Kind{Name: "bad"}, func(context.Context, *actions.Call, *bad) (actions.Result, error) {
		return actions.Result{}, nil
	})
	if err := reg.Add(k); err != nil {
		t.Fatal(err)
	}
	_, err := Schema(reg)
	if err == nil || !strings.Contains(err.Error(), `action "bad"`) || !strings.Contains(err.Error(), `"callback"`) {
		t.Fatalf("err = %v, want one naming the action and the field", err)
	}
}

func TestSchemaShorthandsFollowTheRegistry(t *testing.T) {
	t.Parallel()
	doc := schemaDoc(t, coreRegistry(t))
	for _, k := range []string{"screen", "end"} {
		if got := at(t, doc, "$defs", "step", "properties", k, "$ref"); got != "#/$defs/config."+k {
			t.Errorf("the %s shorthand refers to %v", k, got)
		}
	}

	// A host without the core kinds: no shorthands, every step needs action.
	reg := actions.NewRegistry()
	ping := actions.Kind{Name: "acme.ping", Doc: "Pings.", Build: func(any) (actions.Action, error) {
		return actions.ActionFunc(func(context.Context, *actions.Call) (actions.Result, error) { return actions.Result{}, nil }), nil
	}}
	if err := reg.Add(ping); err != nil {
		t.Fatal(err)
	}
	doc = schemaDoc(t, reg)
	step := at(t, doc, "$defs", "step").(map[string]any)
	for _, k := range []string{"screen", "end"} {
		if _, ok := at(t, step, "properties").(map[string]any)[k]; ok {
			t.Errorf("the %s shorthand is offered without a %s kind", k, k)
		}
	}
	if !slices.Equal(step["required"].([]any), []any{"action"}) {
		t.Errorf("step required = %v, want [action]", step["required"])
	}
	if got := at(t, doc, "$defs", "config.acme.ping", "type"); got != "null" {
		t.Errorf("a kind without settings has with of type %v, want null", got)
	}
}
