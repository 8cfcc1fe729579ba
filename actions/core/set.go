package core

import (
	"context"
	"sort"

	"github.com/outflowhq/outflow/actions"
)

// SetConfig maps output names to values (literals or expressions).
type SetConfig map[string]actions.Value[any]

// Validate checks the names.
func (c *SetConfig) Validate() error {
	var errs actions.Errors
	for _, k := range c.names() {
		if !actions.ValidName(k) {
			errs.Add(k, "name %q must be a letter followed by letters, digits or underscores", k)
		}
	}
	return errs.Err()
}

func (c *SetConfig) names() []string {
	names := make([]string, 0, len(*c))
	for k := range *c {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// DeclareOutputs: one output per name.
func (c *SetConfig) DeclareOutputs() actions.Type {
	fields := map[string]actions.Type{}
	for k, v := range *c {
		fields[k] = v.StaticType()
	}
	return actions.Object(fields)
}

// Set is the `set` kind: it evaluates values and outputs them, for later steps to read.
func Set() actions.Kind {
	return actions.Define(actions.Kind{
		Name:   "set",
		Doc:    "Evaluates values and outputs them under their names, for later steps to read as steps.<id>.output.<name>.",
		Inline: true,
	}, func(_ context.Context, call *actions.Call, c *SetConfig) (actions.Result, error) {
		out := make(map[string]any, len(*c))
		for k, v := range *c {
			val, err := v.Get(call)
			if err != nil {
				return actions.Result{}, err
			}
			out[k] = val
		}
		return actions.Done(actions.Success, out), nil
	})
}
