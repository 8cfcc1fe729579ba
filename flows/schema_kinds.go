package flows

import (
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/outflowhq/outflow/actions"
)

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
	} else if !dynamicOutcomes(sample) {
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

// dynamicOutcomes reports whether a kind's outcomes depend on its settings (or on the flow it runs).
func dynamicOutcomes(sample any) bool {
	_, declares := sample.(actions.OutcomesDeclarer)
	_, calls := sample.(actions.FlowCaller)
	return declares || calls
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
		if _, calls := sample.(actions.FlowCaller); calls {
			parts = append(parts, "Outcomes: the ids of the end steps of the flow it runs.")
		} else if dynamicOutcomes(sample) {
			parts = append(parts, "Outcomes: set by its settings.")
		} else {
			parts = append(parts, "Outcomes: "+strings.Join(k.OutcomesOf(nil), ", ")+".")
		}
		if _, calls := sample.(actions.FlowCaller); calls {
			parts = append(parts, "Output (steps.<id>.output): the declared outputs of the flow it runs.")
		} else if _, dynamic := sample.(actions.OutputsDeclarer); dynamic {
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
		return nil, errors.New("flows: NewConfig returned nil")
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
