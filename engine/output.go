package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
)

// kept returns what a step's action returned as the execution keeps it: its output in JSON form
// (what later steps read, in this request and in later ones alike) and its state encoded. An output
// that does not match the step's declared outputs (an unknown key, a value of the wrong type) fails
// the step with CodeOutput, before a condition can take the wrong branch on it. Anything JSON cannot
// hold (a number that is not finite, a channel, a function, a cycle) fails the step with
// CodeOutput, naming where it is but never quoting a value, so the execution can always be written
// and a catch can route the failure.
func kept(step *flows.Step, res actions.Result) (actions.Result, error) {
	if res.Output != nil {
		out, err := jsonForm(res.Output)
		if err != nil {
			return res, outputError(step, "output", res.Output, err)
		}
		if _, err := step.Outputs.Coerce(out); err != nil {
			return res, &actions.Error{Code: actions.CodeOutput, Message: fmt.Sprintf("The output of step %s does not match what %s declares: %v.", step.ID, step.Kind.Name, err)}
		}
		res.Output = out
	}
	if res.State != nil {
		b, err := json.Marshal(res.State)
		if err != nil {
			return res, outputError(step, "state", res.State, err)
		}
		res.State = json.RawMessage(b)
	}
	if res.Screen != nil {
		if _, err := json.Marshal(res.Screen); err != nil {
			return res, outputError(step, "screen", nil, err)
		}
	}
	return res, nil
}

// jsonForm returns out as it reads back from JSON: numbers float64, lists []any, objects
// map[string]any.
func jsonForm(out map[string]any) (map[string]any, error) {
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		return nil, err
	}
	return back, nil
}

// outputError is the error of a step whose part (output, state, screen) JSON cannot hold. When v
// is given it names the first key that JSON cannot hold.
func outputError(step *flows.Step, part string, v any, err error) error {
	where, why := "", reason(err)
	if v != nil {
		where, why = unencodable(v, "", nil)
	}
	msg := fmt.Sprintf("The %s of step %s cannot be stored: ", part, step.ID)
	if where != "" {
		msg += fmt.Sprintf("%q %s.", where, why)
	} else {
		msg += why + "."
	}
	return &actions.Error{Code: actions.CodeOutput, Message: msg}
}

// unencodable finds the first value in v, in key order, that JSON cannot hold: its path (e.g.
// "items[2].price") and why. seen holds the objects and lists on the way down, to find a cycle
// without following it.
func unencodable(v any, path string, seen []uintptr) (string, string) {
	_, err := json.Marshal(v)
	if err == nil {
		return "", ""
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice && rv.Len() > 0 {
		p := uintptr(rv.UnsafePointer())
		if slices.Contains(seen, p) {
			return path, "refers back to a value that contains it"
		}
		seen = append(seen, p)
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if p, why := unencodable(x[k], joinPath(path, k), seen); p != "" {
				return p, why
			}
		}
	case []any:
		for i, e := range x {
			if p, why := unencodable(e, fmt.Sprintf("%s[%d]", path, i), seen); p != "" {
				return p, why
			}
		}
	}
	return path, reason(err)
}

// joinPath returns the path of key within path.
func joinPath(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}

// reason says why JSON cannot hold a value, without quoting it.
func reason(err error) string {
	var ve *json.UnsupportedValueError
	var te *json.UnsupportedTypeError
	switch {
	case errors.As(err, &ve) && (ve.Str == "NaN" || strings.HasSuffix(ve.Str, "Inf")):
		return "is not a finite number"
	case errors.As(err, &ve):
		return "refers back to a value that contains it"
	case errors.As(err, &te):
		return fmt.Sprintf("is a Go %s, which JSON cannot hold", te.Type.Kind())
	}
	return "cannot be encoded as JSON"
}
