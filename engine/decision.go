package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Decision records how a step chose its next step, for "why did it branch".
type Decision struct {
	Outcome string  `json:"outcome"`
	Via     string  `json:"via"` // "on", "when", "default", "catch"
	Goto    string  `json:"goto"`
	Checks  []Check `json:"checks,omitempty"`
}

// Check is one evaluated condition with the values it read.
type Check struct {
	When   string         `json:"when"`
	Line   int            `json:"line"`
	Result bool           `json:"result"`
	Values map[string]any `json:"values,omitempty"`
}

// Decision reads the decision a branch event records; ok is false for other events.
func (ev Event) Decision() (d Decision, ok bool) {
	p, _ := ev.Payload()
	d, ok = p.(Decision)
	return d, ok
}

// String renders a check as `form.plan == "pro" → false (form.plan = "free")`.
func (c Check) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s → %t", c.When, c.Result)
	if len(c.Values) > 0 {
		paths := make([]string, 0, len(c.Values))
		for p := range c.Values {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		parts := make([]string, len(paths))
		for i, p := range paths {
			parts[i] = p + " = " + FormatValue(c.Values[p])
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	return b.String()
}

// Reason says in words why the decision went where it went, e.g. `default branch`, `on outcome
// "cancel"`, `catch timeout`.
func (d Decision) Reason() string {
	code, _ := strings.CutPrefix(d.Outcome, "error:")
	switch d.Via {
	case "on":
		return fmt.Sprintf("on outcome %q", d.Outcome)
	case "when":
		if n := len(d.Checks); n > 0 {
			return fmt.Sprintf("the condition on line %d held", d.Checks[n-1].Line)
		}
		return "a condition held"
	case "default":
		if len(d.Checks) == 0 {
			return "next"
		}
		return "default branch"
	case "catch":
		return "catch " + code
	}
	return "no branch: a condition could not be evaluated"
}

// FormatValue renders a value of an event the way explanations show it: JSON.
func FormatValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
