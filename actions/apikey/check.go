package apikey

import (
	"context"
	"math"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound/apikeys"
)

// Outcomes of apikey.check.
const (
	OutcomeFound   = "found"
	OutcomeMissing = "missing"
)

// CheckConfig is the `with:` of apikey.check.
type CheckConfig struct {
	App    actions.Value[string] `yaml:"app" required:"true" doc:"id of the apikey app, for example openai"`
	Tenant bool                  `yaml:"tenant" doc:"look at the execution's tenant's key instead of the user's"`
}

// Validate checks a literal app id when the flow loads.
func (c *CheckConfig) Validate() error { return validateApp(c.App) }

// DeclareOutcomes: found or missing.
func (c *CheckConfig) DeclareOutcomes() []string { return []string{OutcomeFound, OutcomeMissing} }

var checkOutputs = actions.Object(map[string]actions.Type{
	"exists":     actions.Bool(),
	"version":    actions.Number().Describe("version of the stored key (0 when none is)"),
	"ageSeconds": actions.Number().Describe("seconds since the stored key was saved"),
	"last4":      actions.String().Describe("last characters of the stored key"),
})

// Check is the apikey.check kind.
func Check(keys *apikeys.APIKeys) actions.Kind {
	return actions.Define(actions.Kind{
		Name:    "apikey.check",
		Doc:     "Tells whether the user (or tenant) has an API key stored for an app, with its version, age and last characters. Outcomes: found, missing.",
		Outputs: checkOutputs,
		Errors:  errorCodes,
	}, func(ctx context.Context, call *actions.Call, c *CheckConfig) (actions.Result, error) {
		id, err := c.App.Get(call)
		if err != nil {
			return actions.Result{}, err
		}
		if _, err := app(ctx, keys, id); err != nil {
			return actions.Result{}, err
		}
		o, err := owner(call, c.Tenant)
		if err != nil {
			return actions.Result{}, err
		}
		info, found, err := keys.Check(ctx, o, id)
		if err != nil {
			return actions.Result{}, unavailable(err)
		}
		if !found {
			return actions.Done(OutcomeMissing, map[string]any{"exists": false, "version": float64(0), "ageSeconds": float64(0), "last4": ""}), nil
		}
		age := math.Max(0, math.Floor(call.Now.Sub(info.CreatedAt).Seconds()))
		return actions.Done(OutcomeFound, map[string]any{
			"exists": true, "version": float64(info.Version), "ageSeconds": age, "last4": info.Last4,
		}), nil
	})
}
