package core

import (
	"context"

	"github.com/outflowhq/outflow/actions"
)

// FlowConfig is the `with:` of an `action: flow` step.
type FlowConfig struct {
	Flow  string                        `yaml:"flow" required:"true" doc:"id of the flow to run inside this one"`
	Input map[string]actions.Value[any] `yaml:"input" doc:"that flow's input, checked against its declared inputs"`
}

// Validate checks the flow id and the input names.
func (c *FlowConfig) Validate() error {
	var errs actions.Errors
	if c.Flow == "" {
		errs.Add("flow", "name the flow to run")
	}
	for k := range c.Input {
		if !actions.ValidName(k) {
			errs.Add("input."+k, "input name %q must be a letter followed by letters, digits or underscores", k)
		}
	}
	return errs.Err()
}

// CalledFlow: the flow the step runs.
func (c *FlowConfig) CalledFlow() string { return c.Flow }

// CalledInput: the input names the step passes, with their types when known.
func (c *FlowConfig) CalledInput() map[string]actions.Type {
	out := make(map[string]actions.Type, len(c.Input))
	for k, v := range c.Input {
		out[k] = v.StaticType()
	}
	return out
}

var _ actions.FlowCaller = (*FlowConfig)(nil)

// Flow is the `flow` kind: it runs another flow in the same execution. That flow's screens and
// redirects pause this one; its declared outputs become the step's output and the id of the end
// it reached the step's outcome; an error it raises is raised by the step, for `catch:`.
func Flow() actions.Kind {
	return actions.Define(actions.Kind{
		Name: "flow",
		Doc: "Runs another flow inside this execution: its declared outputs become the step's output and the " +
			"id of the end it reached the step's outcome; an error it raises goes to the step's catch.",
		Pauses: true,
		Inline: true,
	}, func(_ context.Context, call *actions.Call, c *FlowConfig) (actions.Result, error) {
		in := make(map[string]any, len(c.Input))
		for k, v := range c.Input {
			val, err := v.Get(call)
			if err != nil {
				return actions.Result{}, err
			}
			in[k] = val
		}
		return actions.EnterFlow(c.Flow, in), nil
	})
}
