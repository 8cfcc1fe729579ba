package core

import (
	"context"

	"github.com/outflowhq/outflow/actions"
)

// FailConfig is the `with:` of a fail step.
type FailConfig struct {
	Code    string                `yaml:"code" required:"true" doc:"error code (catch routes on it)"`
	Message actions.Value[string] `yaml:"message" doc:"message shown to the user; never put secrets in it"`
}

// Validate checks the code.
func (c *FailConfig) Validate() error {
	if !actions.ValidName(c.Code) {
		return actions.FieldErrorf("code", "error code %q must be a letter followed by letters, digits or underscores", c.Code)
	}
	return nil
}

// Fail is the `fail` kind: it raises an error with a code. A catch on the step routes it; otherwise
// the execution fails with it.
func Fail() actions.Kind {
	return actions.Define(actions.Kind{
		Name:     "fail",
		Doc:      "Raises an error with a code and message; the step's catch routes it, otherwise the execution fails.",
		Terminal: true,
		Fails:    true,
		Inline:   true,
	}, func(_ context.Context, call *actions.Call, c *FailConfig) (actions.Result, error) {
		msg, err := c.Message.Get(call)
		if err != nil {
			return actions.Result{}, err
		}
		if msg == "" {
			msg = "The flow could not continue."
		}
		return actions.Result{}, &actions.Error{Code: c.Code, Message: msg}
	})
}
