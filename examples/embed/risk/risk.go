// Package risk is an example of an action kind a host adds to Outflow: `risk.score` rates a sign-up
// by its email domain, and flows branch on the result.
package risk

import (
	"context"
	"strings"

	"github.com/outflowhq/outflow/actions"
)

// Config is the `with:` of a risk.score step. Email may be an expression, e.g. ${{ form.email }}.
type Config struct {
	Email actions.Value[string] `yaml:"email" required:"true" doc:"the email address to rate"`
	// Blocked lists domains that always score 100.
	Blocked []string `yaml:"blocked" doc:"domains that always rate as high risk"`
}

// Validate runs when the flow loads.
func (c *Config) Validate() error {
	var errs actions.Errors
	for i, d := range c.Blocked {
		if d == "" || strings.Contains(d, "@") {
			errs.Add("blocked", "entry %d must be a domain such as example.com", i)
		}
	}
	return errs.Err()
}

// Output is what a risk.score step outputs; flows read it as steps.<id>.output.score and .reason.
type Output struct {
	Score  float64 `json:"score" doc:"0 (safe) to 100 (block)"`
	Reason string  `json:"reason"`
}

// Outcomes of risk.score.
const (
	Low  = "low"
	High = "high"
)

// Kind returns the risk.score kind, to add to a registry with reg.Add(risk.Kind()).
func Kind() actions.Kind {
	return actions.Define(actions.Kind{
		Name:     "risk.score",
		Doc:      "Rates a sign-up by its email domain: outcome low or high, with a score and a reason.",
		Outputs:  actions.TypeOf(Output{}),
		Outcomes: []string{Low, High},
		// Every run is low or high: flows need no way out for success.
		NamedOutcomesOnly: true,
	}, score)
}

var disposable = map[string]bool{"mailinator.com": true, "10minutemail.com": true, "guerrillamail.com": true}

func score(_ context.Context, call *actions.Call, cfg *Config) (actions.Result, error) {
	email, err := cfg.Email.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	out := Output{Score: 10, Reason: "ordinary domain"}
	switch {
	case !ok:
		out = Output{Score: 90, Reason: "not an email address"}
	case disposable[domain]:
		out = Output{Score: 80, Reason: "disposable email domain"}
	}
	for _, b := range cfg.Blocked {
		if domain == b {
			out = Output{Score: 100, Reason: "blocked domain"}
		}
	}
	outcome := Low
	if out.Score >= 50 {
		outcome = High
	}
	return actions.DoneWith(outcome, out) // the declared Output, converted to the flow's JSON form
}
