package core

import (
	"context"

	"github.com/outflowhq/outflow/actions"
)

// EndConfig is the `end:` of a step.
type EndConfig struct {
	Output      map[string]actions.Value[any] `yaml:"output" doc:"the flow's output"`
	RedirectURL actions.Value[string]         `yaml:"redirectUrl" doc:"where the browser goes when the flow ends (must be allowed by the host)"`
	Title       actions.Value[string]         `yaml:"title" doc:"heading of the finished page"`
	Text        actions.Value[string]         `yaml:"text" doc:"text of the finished page"`
	Tone        string                        `yaml:"tone" doc:"how the finished page reads: success (the default, a check mark) or neutral (the user declined, nothing was done)"`
}

// Validate checks output names and the tone.
func (c *EndConfig) Validate() error {
	var errs actions.Errors
	for k := range c.Output {
		if !actions.ValidName(k) {
			errs.Add("output."+k, "output name %q must be a letter followed by letters, digits or underscores", k)
		}
	}
	switch c.Tone {
	case "", actions.ToneSuccess, actions.ToneNeutral:
	default:
		errs.Add("tone", "tone %q: want %s or %s", c.Tone, actions.ToneSuccess, actions.ToneNeutral)
	}
	return errs.Err()
}

// DeclareOutputs: the flow output.
func (c *EndConfig) DeclareOutputs() actions.Type {
	fields := map[string]actions.Type{}
	for k, v := range c.Output {
		fields[k] = v.StaticType()
	}
	return actions.Object(fields)
}

// End is the `end` kind: it finishes the flow with an output.
func End() actions.Kind {
	return actions.Define(actions.Kind{
		Name:     "end",
		Doc:      "Finishes the flow with an output, and optionally a finished page or a redirect.",
		Terminal: true,
		Inline:   true,
	}, func(_ context.Context, call *actions.Call, c *EndConfig) (actions.Result, error) {
		out := make(map[string]any, len(c.Output))
		for k, v := range c.Output {
			val, err := v.Get(call)
			if err != nil {
				return actions.Result{}, err
			}
			out[k] = val
		}
		res := actions.Result{Finish: true, Output: out}
		var err error
		if res.FinishRedirect, err = c.RedirectURL.Get(call); err != nil {
			return res, err
		}
		title, err := c.Title.Get(call)
		if err != nil {
			return res, err
		}
		text, err := c.Text.Get(call)
		if err != nil {
			return res, err
		}
		if title != "" || text != "" || c.Tone != "" {
			res.Screen = &actions.Screen{ID: call.StepID, Title: title, Text: text, Tone: c.Tone}
		}
		return res, nil
	})
}
