package engine

import (
	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
)

// route picks the step after s completed with outcome: `on` first, then the conditions of `next` in
// order, then its default. It returns "" when nothing matches (the loader prevents that for
// outcomes it knows). newScope builds the expression scope, only when a condition needs it: most
// steps route without one.
func route(f *flows.Flow, s *flows.Step, outcome string, newScope func() map[string]any) (Decision, error) {
	d := Decision{Outcome: outcome}
	var scope map[string]any
	if target, ok := s.On[outcome]; ok {
		d.Via, d.Goto = "on", target
		return d, nil
	}
	for _, br := range s.Next {
		if br.When == nil {
			d.Via, d.Goto = "default", br.Goto
			return d, nil
		}
		if scope == nil {
			scope = newScope()
		}
		ok, err := br.When.Eval(scope)
		check := Check{When: br.When.Source(), Line: br.When.Line(), Result: ok}
		if reads := br.When.Reads(); len(reads) > 0 {
			check.Values = make(map[string]any, len(reads))
			for _, p := range reads {
				check.Values[p] = lookup(f, scope, p)
			}
		}
		d.Checks = append(d.Checks, check)
		if err != nil {
			return d, &actions.Error{Code: actions.CodeExpression, Message: "a condition of step " + s.ID + " could not be evaluated", Err: err}
		}
		if ok {
			d.Via, d.Goto = "when", br.Goto
			return d, nil
		}
	}
	return d, nil
}

// catchTarget returns the step that handles an error code, if any.
func catchTarget(s *flows.Step, code string) string {
	if t, ok := s.Catch[code]; ok {
		return t
	}
	return s.Catch[flows.CatchAny]
}
