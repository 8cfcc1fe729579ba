package flows

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/decode"
)

// Patterns of what the loader accepts.
const (
	// exprPattern matches a whole-value expression `${{ ... }}`, across lines.
	exprPattern = `^\s*\$\{\{[\s\S]*\}\}\s*$`
	// durationPattern matches what time.ParseDuration accepts, without a sign.
	durationPattern = `^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`
	namePattern     = `^[A-Za-z][A-Za-z0-9_]{0,63}$`
	flowIDPattern   = `^[a-z][a-z0-9_-]{0,63}$`
)

// Schema returns a JSON Schema (draft 2020-12) for flow files that use the kinds in reg, indented,
// for editors such as yaml-language-server. Every mapping whose keys are known rejects other keys, so
// typos are flagged as they are typed. The `with:` of each kind is generated from its config type, so a
// host's own kinds are covered as soon as they are registered.
//
// The schema only uses keywords that mean the same in draft-07, which most editors implement.
func Schema(reg *actions.Registry) ([]byte, error) {
	if reg == nil {
		return nil, errors.New("flow schema: no action registry")
	}
	kinds := reg.Kinds()
	defs := &schemaProps{}
	var branches []*jsonSchema
	shorthands := &schemaProps{} // `screen:` and `end:`, when those kinds are registered
	for _, k := range kinds {
		cfg, err := configSchema(k)
		if err != nil {
			return nil, fmt.Errorf("flow schema: action %q: %w", k.Name, err)
		}
		defs.set(configDef(k.Name), cfg)
		branches = append(branches, kindBranch(k, cfg, "action"))
		if k.Name == "screen" || k.Name == "end" {
			shorthands.set(k.Name, schemaRef(configDef(k.Name)))
			branches = append(branches, kindBranch(k, cfg, k.Name))
		}
	}
	step, err := stepSchema(kinds, shorthands, branches)
	if err != nil {
		return nil, fmt.Errorf("flow schema: %w", err)
	}
	defs.set("step", step)
	inputs, err := inputsSchema()
	if err != nil {
		return nil, fmt.Errorf("flow schema: %w", err)
	}
	root := &jsonSchema{
		Schema:      "https://json-schema.org/draft/2020-12/schema",
		Title:       "Outflow flow",
		Description: "A flow: steps made of actions, the transitions between them and the flow's inputs.",
		Type:        "object",
		Properties: props(
			"id", &jsonSchema{Type: "string", Pattern: flowIDPattern, PatternErrorMessage: "lowercase letters, digits and dashes, starting with a letter", Description: "the flow's id: lowercase letters, digits and dashes, starting with a letter"},
			"version", &jsonSchema{Type: []string{"string", "number"}, Description: "the flow's version, for people; executions are pinned to the file's hash"},
			"description", &jsonSchema{Type: "string", Description: "what the flow does"},
			"inputs", inputs,
			"start", stepTarget("the first step (default: the first step in the file)"),
			"ttl", durationSchema("how long an execution may live, e.g. 30m (default: the engine's)"),
			"steps", &jsonSchema{
				Type:                 "object",
				Description:          "the steps by id, in order; the first is the start unless start says otherwise",
				MinProperties:        1,
				PropertyNames:        nameSchema(),
				AdditionalProperties: schemaRef("step"),
			},
		),
		Required:             []string{"id", "steps"},
		AdditionalProperties: false,
		Defs:                 defs,
	}
	b, err := encodeJSON(root)
	if err != nil {
		return nil, fmt.Errorf("flow schema: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, fmt.Errorf("flow schema: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func configDef(kind string) string { return "config." + kind }

func schemaRef(def string) *jsonSchema { return &jsonSchema{Ref: "#/$defs/" + def} }

const nameMessage = "a letter followed by letters, digits or underscores"

func nameSchema() *jsonSchema {
	return &jsonSchema{Pattern: namePattern, PatternErrorMessage: nameMessage}
}

func stepTarget(doc string) *jsonSchema {
	return &jsonSchema{Type: "string", Pattern: namePattern, PatternErrorMessage: "a step id: " + nameMessage, Description: doc}
}

func durationSchema(doc string) *jsonSchema {
	return &jsonSchema{Type: "string", Pattern: durationPattern, PatternErrorMessage: "a duration such as 30s, 5m or 1h30m", Description: doc}
}

func exprSchema() *jsonSchema {
	return &jsonSchema{Type: "string", Pattern: exprPattern, Description: "an expression ${{ ... }}, evaluated when the step runs"}
}

// stepSchema describes one step: its keys, the one of action/screen/end it needs, and per kind the
// schema of its settings.
func stepSchema(kinds []actions.Kind, shorthands *schemaProps, branches []*jsonSchema) (*jsonSchema, error) {
	action := &jsonSchema{Type: "string", Description: "the action the step runs"}
	for _, k := range kinds {
		action.Enum = append(action.Enum, k.Name)
		action.EnumDescriptions = append(action.EnumDescriptions, k.Doc)
	}
	retry, err := structSchema(reflect.TypeFor[retryDoc]())
	if err != nil {
		return nil, err
	}
	retry.Description = "run the step again when it fails with a retryable error"
	retry.prop("attempts").Minimum, retry.prop("attempts").Maximum = ptrTo(1.0), ptrTo(10.0)
	retry.prop("jitter").Minimum, retry.prop("jitter").Maximum = ptrTo(0.0), ptrTo(1.0)
	branch := &jsonSchema{
		Type: "object",
		Properties: props(
			"when", &jsonSchema{
				Type:        []string{"string", "boolean"},
				Description: "a condition, written bare (without ${{ }}); the first branch whose condition holds is taken",
				Not:         &jsonSchema{Type: "string", Pattern: exprPattern},
			},
			"goto", stepTarget("the step to go to"),
		),
		Required:             []string{"goto"},
		AdditionalProperties: false,
	}
	p := props(
		"action", action,
		// Left open here: the branch of the step's action describes it, so editors show that action's doc.
		"with", &jsonSchema{},
	)
	for _, sh := range shorthands.list {
		p.set(sh.name, sh.schema)
	}
	p.set("description", &jsonSchema{Type: "string", Description: "what the step does, for people"})
	p.set("on", &jsonSchema{
		Type:                 "object",
		Description:          "the step to go to for each outcome (a screen's outcomes are its button ids)",
		PropertyNames:        nameSchema(),
		AdditionalProperties: stepTarget(""),
	})
	p.set("next", &jsonSchema{
		Description: "where to go for the outcomes not under on: a step id, or branches tried in order (the last one, with only goto, is the default)",
		AnyOf: []*jsonSchema{
			stepTarget(""),
			{Type: "array", MinItems: 1, Items: branch},
		},
	})
	p.set("catch", &jsonSchema{
		Type:                 "object",
		Description:          "the step to go to for each error code; " + CatchAny + " catches every code",
		PropertyNames:        nameSchema(),
		AdditionalProperties: stepTarget(""),
	})
	p.set("timeout", durationSchema("how long one run of the step may take, e.g. 10s; past it the step fails with the code timeout"))
	p.set("retry", retry)
	for _, k := range stepKeys {
		if _, ok := p.get(k); !ok && k != "screen" && k != "end" {
			return nil, fmt.Errorf("step key %q has no schema", k)
		}
	}
	step := &jsonSchema{
		Type:                 "object",
		Description:          "a step: one action (or the screen or end shorthand) and where to go next",
		Properties:           p,
		AdditionalProperties: false,
		AllOf:                branches,
	}
	if len(shorthands.list) == 0 {
		step.Required = []string{"action"}
	} else {
		step.OneOf = []*jsonSchema{{Required: []string{"action"}}}
		for _, sh := range shorthands.list {
			step.OneOf = append(step.OneOf, &jsonSchema{Required: []string{sh.name}})
		}
	}
	return step, nil
}

// kindBranch returns the if/then that applies kind k's rules to steps naming it with key: "action"
// (`action: k` with `with:`) or a shorthand ("screen", "end").
func kindBranch(k actions.Kind, cfg *jsonSchema, key string) *jsonSchema {
	cond := &jsonSchema{Required: []string{key}}
	then := &jsonSchema{Properties: &schemaProps{}}
	if key == "action" {
		cond.Properties = props("action", &jsonSchema{Const: k.Name})
		then.Properties.set("with", schemaRef(configDef(k.Name)))
		if len(cfg.Required) > 0 {
			then.Required = []string{"with"}
		}
	} else {
		then.Properties.set("with", false)
	}
	sample := configSample(k)
	if k.Terminal {
		then.Properties.set("on", false)
		then.Properties.set("next", false)
	} else if _, dynamic := sample.(actions.OutcomesDeclarer); !dynamic {
		outcomes := k.OutcomesOf(nil)
		then.Properties.set("on", &jsonSchema{PropertyNames: &jsonSchema{Enum: outcomes}})
		then.XOutcomes = outcomes
	}
	if len(k.Errors) > 0 {
		codes := append([]string{actions.CodeTimeout, actions.CodeInternal, CatchAny}, k.Errors...)
		sort.Strings(codes)
		then.Properties.set("catch", &jsonSchema{PropertyNames: &jsonSchema{Enum: slices.Compact(codes)}})
		then.XErrors = k.Errors
	}
	if _, dynamic := sample.(actions.OutputsDeclarer); !dynamic && !k.Outputs.IsAny() {
		then.XOutputs = typeSchema(k.Outputs)
	}
	return &jsonSchema{If: cond, Then: then}
}

// configSample returns a zero config of k, to see which optional interfaces it implements.
func configSample(k actions.Kind) any {
	if k.NewConfig == nil {
		return nil
	}
	return k.NewConfig()
}

// kindDoc describes a kind for people: its doc, outcomes, output and errors.
func kindDoc(k actions.Kind) string {
	parts := []string{k.Doc}
	sample := configSample(k)
	if !k.Terminal {
		if _, dynamic := sample.(actions.OutcomesDeclarer); dynamic {
			parts = append(parts, "Outcomes: set by its settings.")
		} else {
			parts = append(parts, "Outcomes: "+strings.Join(k.OutcomesOf(nil), ", ")+".")
		}
		if _, dynamic := sample.(actions.OutputsDeclarer); dynamic {
			parts = append(parts, "Output (steps.<id>.output): set by its settings.")
		} else if !k.Outputs.IsAny() {
			parts = append(parts, "Output (steps.<id>.output): "+k.Outputs.String()+".")
		}
	}
	if len(k.Errors) > 0 {
		parts = append(parts, "Errors: "+strings.Join(k.Errors, ", ")+".")
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// configSchema is the schema of kind k's settings, generated from its config type.
func configSchema(k actions.Kind) (*jsonSchema, error) {
	if k.NewConfig == nil {
		return &jsonSchema{Title: k.Name + " settings", Type: "null", Description: kindDoc(k) + " It takes no settings."}, nil
	}
	t := reflect.TypeOf(k.NewConfig())
	if t == nil {
		return nil, errors.New("NewConfig returned nil")
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s, err := (&schemaGen{}).of(t, "", false)
	if err != nil {
		return nil, err
	}
	s.Title = k.Name + " settings"
	s.Description = kindDoc(k)
	return s, nil
}

// inputsSchema describes `inputs:`: names to a type, or to {type, required, default, description}.
func inputsSchema() (*jsonSchema, error) {
	long, err := structSchema(reflect.TypeFor[inputDoc]())
	if err != nil {
		return nil, err
	}
	typeNames := make([]string, 0, len(inputTypes))
	for name := range inputTypes {
		typeNames = append(typeNames, name)
	}
	sort.Strings(typeNames)
	typ := long.prop("type")
	typ.Enum = typeNames
	return &jsonSchema{
		Type:          "object",
		Description:   "the flow's inputs by name: a type, or a mapping with type, required, default and description",
		PropertyNames: nameSchema(),
		AdditionalProperties: &jsonSchema{AnyOf: []*jsonSchema{
			{Type: "string", Enum: typeNames, Description: typ.Description},
			long,
		}},
	}, nil
}

func structSchema(t reflect.Type) (*jsonSchema, error) { return (&schemaGen{}).of(t, "", false) }

// typeSchema renders a flow value type (a kind's outputs) as a schema.
func typeSchema(t actions.Type) *jsonSchema {
	s := &jsonSchema{Description: t.Doc}
	switch t.Kind {
	case actions.KindString:
		s.Type = "string"
	case actions.KindNumber:
		s.Type = "number"
	case actions.KindBool:
		s.Type = "boolean"
	case actions.KindList:
		s.Type = "array"
		if t.Elem != nil && !t.Elem.IsAny() {
			s.Items = typeSchema(*t.Elem)
		}
	case actions.KindObject:
		s.Type = "object"
		if t.Fields != nil {
			s.Properties = &schemaProps{}
			for _, name := range t.FieldNames() {
				s.Properties.set(name, typeSchema(t.Fields[name]))
			}
			s.AdditionalProperties = false
		} else if t.Elem != nil && !t.Elem.IsAny() {
			s.AdditionalProperties = typeSchema(*t.Elem)
		}
	}
	return s
}

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
