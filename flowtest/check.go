package flowtest

import (
	"context"
	"fmt"
	"github.com/outflowhq/outflow/actions/screentext"
	"github.com/outflowhq/outflow/flows"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
)

// check compares where the execution stands with an expectation. At the end (final), an execution
// that failed or expired fails the scenario unless the expectation names that status or the error.
// It reports whether every check passed.
func (r *runner) check(ctx context.Context, e *expectation, when string, final bool) bool {
	before := len(r.res.Failures)
	resp := r.resp
	x := r.explain(ctx)
	if final && (resp.Status == engine.StatusFailed || resp.Status == engine.StatusExpired) && (e == nil || e.Status == "" && e.Error == nil) {
		r.failAt(when, "the execution %s at step %q%s; if that is intended, expect status: %s", resp.Status, resp.StepID, errorText(resp.Error), resp.Status)
	}
	if e == nil {
		return len(r.res.Failures) == before
	}
	pathOK := e.Path == nil || r.checkPath(x, e.Path, when)
	if pathOK && e.Step != "" && resp.StepID != e.Step {
		r.failAt(when, "the execution is %s at step %q but the scenario expected step %q%s%s", resp.Status, resp.StepID, e.Step, arrival(x), refusedNote(resp))
	}
	if e.Status != "" && string(resp.Status) != e.Status {
		r.failAt(when, "the execution is %s at step %q%s but the scenario expected it %s%s%s", resp.Status, resp.StepID, errorText(resp.Error), e.Status, arrival(x), refusedNote(resp))
	}
	r.checkScreen(e, when)
	if e.Output != nil {
		if resp.Status != engine.StatusCompleted {
			r.failAt(when, "the scenario expected an output, but the execution is %s at step %q and has none", resp.Status, resp.StepID)
		} else {
			for _, m := range subset(e.Output, resp.Output, "output") {
				r.failAt(when, "%s", m)
			}
		}
	}
	if e.Error != nil {
		switch got := resp.Error; {
		case got == nil:
			r.failAt(when, "the scenario expected the error %s, but the execution is %s at step %q without one", e.Error.Code, resp.Status, resp.StepID)
		case e.Error.Code != "" && got.Code != e.Error.Code:
			r.failAt(when, "the execution failed at step %q with %s (%q) but the scenario expected the error %s", resp.StepID, got.Code, got.Message, e.Error.Code)
		case e.Error.Message != "" && got.Message != e.Error.Message:
			r.failAt(when, "the error message is %q but the scenario expected %q", got.Message, e.Error.Message)
		}
	}
	return len(r.res.Failures) == before
}

// failAt records a failure, prefixed with when it was found unless it was at the end.
func (r *runner) failAt(when, format string, args ...any) {
	if when != "" {
		format = when + ": " + format
	}
	r.fail(format, args...)
}

func (r *runner) checkScreen(e *expectation, when string) {
	if e.Screen == "" && e.Title == "" && e.Text == "" && len(e.Messages) == 0 {
		return
	}
	s := r.resp.Screen
	if s == nil {
		r.failAt(when, "the scenario expected a screen, but none is shown (the execution is %s at step %q)", r.resp.Status, r.resp.StepID)
		return
	}
	if e.Screen != "" && s.ID != e.Screen {
		r.failAt(when, "the screen shown is %q but the scenario expected %q", s.ID, e.Screen)
	}
	// Message keys (t:<key>) and the built-in screens' texts read in the default language, as a
	// browser without a preference sees them.
	read := func(s string) string { return screentext.Text(flows.DefaultLocale, s, r.sc.flow.Messages.Text) }
	title, text := read(s.Title), read(s.Text)
	if e.Title != "" && title != e.Title {
		r.failAt(when, "the screen's title is %q but the scenario expected %q", title, e.Title)
	}
	if e.Text != "" && text != e.Text {
		r.failAt(when, "the screen's text is %q but the scenario expected %q", text, e.Text)
	}
	var texts []string
	for _, m := range s.Messages {
		texts = append(texts, read(m.Text))
	}
	for _, want := range e.Messages {
		if !slices.Contains(texts, want) {
			r.failAt(when, "the screen's messages are %q; the scenario expected %q among them", texts, want)
		}
	}
}

// checkPath compares the steps entered with the expected path; on a difference it names the step
// where they part and both branches.
func (r *runner) checkPath(x *explain.Explanation, want []string, when string) bool {
	got := pathOf(x)
	if slices.Equal(got, want) {
		return true
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	var msg string
	switch {
	case i == 0 && len(got) > 0 && len(want) > 0:
		msg = fmt.Sprintf("the flow started at step %q but the scenario expected %q", got[0], want[0])
	case i < len(got) && i < len(want):
		from := got[i-1]
		msg = fmt.Sprintf("at step %q the flow went to %q%s but the scenario expected %q%s", from, got[i], reasonOf(x, i), want[i], conditionsOf(x, i))
		msg += r.routes(from, want[i])
	case i == len(got) && len(got) > 0:
		msg = fmt.Sprintf("the flow stopped at step %q (%s) but the scenario expected it to go on to %q", got[i-1], r.state(), want[i])
	case i == len(want) && len(want) > 0:
		msg = fmt.Sprintf("at step %q the flow went on to %q%s but the scenario expected it to stop there%s", got[i-1], got[i], reasonOf(x, i), conditionsOf(x, i))
	default:
		msg = "the flow entered no step"
	}
	r.failAt(when, "%s; path %s, expected %s", msg, formatPath(got), formatPath(want))
	return false
}

// routes says how step from can reach step to, from the flow's edges.
func (r *runner) routes(from, to string) string {
	var ways []string
	for _, e := range edgesOf(r.sc.flow) {
		if e.From == from && e.To == to {
			ways = append(ways, e.condition())
		}
	}
	if len(ways) == 0 {
		return fmt.Sprintf("; step %q has no branch to %q", from, to)
	}
	return fmt.Sprintf("; step %q goes to %q %s", from, to, strings.Join(ways, " or "))
}

// state describes where a stopped execution stands.
func (r *runner) state() string {
	resp := r.resp
	switch {
	case resp.Status == engine.StatusWaiting && resp.Action == engine.ActionRedirect:
		return "waiting at a redirect"
	case resp.Status == engine.StatusWaiting && refusedFields(resp) != "":
		return "waiting at a screen that came back with field errors: " + refusedFields(resp)
	case resp.Status == engine.StatusWaiting:
		return "waiting at a screen"
	case resp.Error != nil:
		return string(resp.Status) + " with " + resp.Error.Code + ": " + resp.Error.Message
	}
	return string(resp.Status)
}

// why explains how the execution reached its current step.
func (r *runner) why(ctx context.Context) string { return arrival(r.explain(ctx)) }

// unmocked points at the steps that failed with an internal error and were not mocked: often
// actions that need services the test does not provide.
func (r *runner) unmocked(x *explain.Explanation) []string {
	if x == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, st := range x.Steps {
		if st.Error == nil || st.Error.Code != actions.CodeInternal || r.mocked[st.Step] || seen[st.Step] {
			continue
		}
		seen[st.Step] = true
		out = append(out, fmt.Sprintf("step %q (%s) failed with an internal error and is not mocked; mock it if its action needs services the test does not provide", st.Step, st.Action))
	}
	return out
}

func (r *runner) explain(ctx context.Context) *explain.Explanation {
	if r.eng == nil || r.resp == nil {
		return nil
	}
	x, err := explain.Execution(ctx, r.eng, r.resp.ExecutionID)
	if err != nil {
		return nil
	}
	return x
}

// pathOf returns the steps an execution entered, in order.
func pathOf(x *explain.Explanation) []string {
	if x == nil {
		return nil
	}
	out := make([]string, len(x.Steps))
	for i, st := range x.Steps {
		out[i] = st.Step
	}
	return out
}

// into returns the decision that led from step i-1 to step i of the path.
func into(x *explain.Explanation, i int) (engine.Decision, bool) {
	if x == nil || i <= 0 || i >= len(x.Steps)+1 {
		return engine.Decision{}, false
	}
	bs := x.Steps[i-1].Branches
	for j := len(bs) - 1; j >= 0; j-- {
		if bs[j].Goto != "" {
			return bs[j], true
		}
	}
	return engine.Decision{}, false
}

// reasonOf renders how the decision into step i was made: ` (default branch)`.
func reasonOf(x *explain.Explanation, i int) string {
	d, ok := into(x, i)
	if !ok {
		return ""
	}
	if d.Via == "catch" && x.Steps[i-1].Error != nil {
		return fmt.Sprintf(" (catch %s: %q)", x.Steps[i-1].Error.Code, x.Steps[i-1].Error.Message)
	}
	return " (" + d.Reason() + ")"
}

// conditionsOf renders the conditions evaluated on the way into step i: `; conditions: a → false (...)`.
func conditionsOf(x *explain.Explanation, i int) string {
	d, ok := into(x, i)
	if !ok || len(d.Checks) == 0 {
		return ""
	}
	checks := make([]string, len(d.Checks))
	for j, c := range d.Checks {
		checks[j] = c.String()
	}
	return "; conditions: " + strings.Join(checks, "; ")
}

// arrival explains how the execution reached its last step: `; it went from "pick" to "done" (...)`.
func arrival(x *explain.Explanation) string {
	if x == nil || len(x.Steps) < 2 {
		return ""
	}
	n := len(x.Steps) - 1
	return fmt.Sprintf("; it went from %q to %q%s%s", x.Steps[n-1].Step, x.Steps[n].Step, reasonOf(x, n), conditionsOf(x, n))
}

func errorText(e *engine.ErrorInfo) string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf(" with %s (%q)", e.Code, e.Message)
}

func formatPath(p []string) string { return "[" + strings.Join(p, ", ") + "]" }

// subset lists how got fails to hold want: maps must hold want's keys (recursively), lists and
// other values must be equal.
func subset(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s is %s but the scenario expected an object", path, engine.FormatValue(got))}
		}
		var out []string
		for _, k := range sortedKeys(w) {
			v, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s is missing; the scenario expected %s", path, k, engine.FormatValue(w[k])))
				continue
			}
			out = append(out, subset(w[k], v, path+"."+k)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if ok && len(g) == len(w) {
			var out []string
			for i := range w {
				out = append(out, subset(w[i], g[i], fmt.Sprintf("%s[%d]", path, i))...)
			}
			return out
		}
	default:
		if engine.FormatValue(want) == engine.FormatValue(got) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s is %s but the scenario expected %s", path, engine.FormatValue(got), engine.FormatValue(want))}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
