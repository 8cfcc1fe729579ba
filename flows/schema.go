package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"

	"github.com/outflowhq/outflow/actions"
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
		return nil, errors.New("flows: flow schema: no action registry")
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
	inputs, err := paramsSchema(reflect.TypeFor[inputDoc](), "the flow's inputs by name: a type, or a mapping with type, required, default and description")
	if err != nil {
		return nil, fmt.Errorf("flow schema: %w", err)
	}
	outputs, err := paramsSchema(reflect.TypeFor[outputDoc](), "the flow's declared outputs by name: a type, or a mapping with type and description; every end is checked against them, and a step running this flow (action: flow) outputs them")
	if err != nil {
		return nil, fmt.Errorf("flow schema: %w", err)
	}
	root := &jsonSchema{
		Schema:      "https://json-schema.org/draft/2020-12/schema",
		Title:       "Outflow flow",
		Description: "A flow: steps made of actions, the transitions between them and the flow's inputs.",
		Type:        "object",
		Properties: props(
			"id", &jsonSchema{Type: "string", Pattern: flowIDPattern, PatternErrorMessage: "lowercase letters, digits, dashes and underscores, starting with a letter", Description: "the flow's id: lowercase letters, digits, dashes and underscores, starting with a letter"},
			"version", &jsonSchema{Type: []string{"string", "number"}, Description: "the flow's version, for people; executions are pinned to the file's hash"},
			"description", &jsonSchema{Type: "string", Description: "what the flow does"},
			"inputs", inputs,
			"outputs", outputs,
			"start", stepTarget("the first step (default: the first step in the file)"),
			"ttl", durationSchema("how long an execution may live, e.g. 30m (default: the engine's)"),
			"finishedRetention", durationSchema("how long a completed or failed execution stays readable after it finishes, e.g. 1h (default: the engine's, 10m)"),
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

// paramsSchema describes `inputs:` or `outputs:`: names to a type, or to the long form doc.
func paramsSchema(doc reflect.Type, description string) (*jsonSchema, error) {
	long, err := structSchema(doc)
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
		Description:   description,
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
