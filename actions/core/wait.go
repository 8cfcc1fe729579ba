package core

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/actions"
)

// Outcomes of a wait step.
const (
	OutcomeReceived = "received"
	OutcomeTimeout  = "timeout"
)

// payloadTypes are the types a wait's payload fields may have.
var payloadTypes = map[string]actions.Type{
	"string": actions.String(),
	"number": actions.Number(),
	"bool":   actions.Bool(),
	"list":   actions.List(actions.Any()),
	"object": actions.Map(actions.Any()),
}

// WaitConfig is the `with:` of an `action: wait` step.
type WaitConfig struct {
	For     actions.Value[string] `yaml:"for" required:"true" doc:"what the execution waits for, e.g. an administrator's approval; its hosted page says so"`
	Timeout time.Duration         `yaml:"timeout" doc:"how long to wait before the outcome is timeout (default: until the execution expires, which the wait postpones to its timeout)"`
	Payload map[string]string     `yaml:"payload" doc:"the signal's payload: field names to their type (string, number, bool, list or object); every field is required"`
}

// Validate checks the payload's names and types and the timeout.
func (c *WaitConfig) Validate() error {
	var errs actions.Errors
	for _, k := range slices.Sorted(maps.Keys(c.Payload)) {
		if !actions.ValidName(k) {
			errs.Add("payload."+k, "field name %q must be a letter followed by letters, digits or underscores", k)
		} else if _, ok := payloadTypes[c.Payload[k]]; !ok {
			errs.Add("payload."+k, "field %q has unknown type %q; use %s", k, c.Payload[k], strings.Join(slices.Sorted(maps.Keys(payloadTypes)), ", "))
		}
	}
	if c.Timeout < 0 {
		errs.Add("timeout", "must be a positive duration such as 48h")
	}
	return errs.Err()
}

// payloadType is the type of the signal's payload.
func (c *WaitConfig) payloadType() actions.Type {
	fields := map[string]actions.Type{}
	for k, t := range c.Payload {
		if pt, ok := payloadTypes[t]; ok {
			fields[k] = pt
		}
	}
	return actions.Object(fields)
}

// DeclareOutputs: the payload's fields, and whether the wait timed out.
func (c *WaitConfig) DeclareOutputs() actions.Type {
	t := c.payloadType()
	t.Fields["timedOut"] = actions.Bool().Describe("true when the wait timed out before a signal came")
	return t
}

// DeclareOutcomes: received or timeout.
func (c *WaitConfig) DeclareOutcomes() []string { return []string{OutcomeReceived, OutcomeTimeout} }

// Wait is the `wait` kind: it pauses the execution until an outside system signals it with a
// single-use token and a payload (POST /v1/executions/{id}/signal), or until its timeout.
func Wait() actions.Kind {
	return actions.Define(actions.Kind{
		Name: "wait",
		Doc: "Pauses the execution until an outside system signals it with a single-use token and a payload " +
			"checked against payload (outcome received, the payload as output), or until timeout (outcome timeout).",
		Pauses: true,
		Inline: true,
	}, func(_ context.Context, call *actions.Call, c *WaitConfig) (actions.Result, error) {
		if call.Resume == nil {
			what, err := c.For.Get(call)
			if err != nil {
				return actions.Result{}, err
			}
			w := actions.Wait{For: what, Payload: c.payloadType()}
			if c.Timeout > 0 {
				w.Until = call.Now.Add(c.Timeout).UTC()
			}
			return actions.WaitFor(w), nil
		}
		if call.Resume.Interaction == actions.InteractionTimeout {
			return actions.Done(OutcomeTimeout, map[string]any{"timedOut": true}), nil
		}
		out := maps.Clone(call.Resume.Input)
		if out == nil {
			out = map[string]any{}
		}
		out["timedOut"] = false
		return actions.Done(OutcomeReceived, out), nil
	})
}
