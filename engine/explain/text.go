package explain

import (
	"fmt"
	"strings"
	"time"

	"github.com/outflowhq/outflow/engine"
)

// String renders the explanation for people, one block per step visit:
//
//	execution 3kX9 · flow choose-plan version 1 · user u1
//	started 2026-11-29T09:00:00Z · status completed
//
//	1. pick (screen)
//	   paused at a screen
//	   completed with outcome "continue", output {"email":"a@b.co","plan":"free"}
//	   line 36: form.plan == "pro" → false (form.plan = "free")
//	   → done (default branch: no condition held)
func (x *Explanation) String() string {
	var b strings.Builder
	var head []string
	if x.ExecutionID != "" {
		head = append(head, "execution "+x.ExecutionID)
	}
	flow := "flow"
	if x.FlowID != "" {
		flow += " " + x.FlowID
	}
	if x.FlowVersion != "" {
		flow += " version " + x.FlowVersion
	}
	if flow != "flow" {
		head = append(head, flow)
	}
	if x.Subject.UserID != "" {
		head = append(head, "user "+x.Subject.UserID)
	}
	if x.Subject.TenantID != "" {
		head = append(head, "tenant "+x.Subject.TenantID)
	}
	if len(head) > 0 {
		b.WriteString(strings.Join(head, " · ") + "\n")
	}
	var state []string
	if !x.Started.IsZero() {
		state = append(state, "started "+x.Started.UTC().Format(time.RFC3339))
	}
	status := "status " + string(x.Status)
	switch {
	case x.Error != nil:
		status += " (" + x.Error.Code + ": " + x.Error.Message + ")"
	case x.Status == engine.StatusCompleted:
		status += ", output " + engine.FormatValue(nonNil(x.Output))
	}
	state = append(state, status)
	b.WriteString(strings.Join(state, " · ") + "\n")
	if x.Truncated {
		b.WriteString("(the event log is capped: its oldest events are gone)\n")
	}
	for i, st := range x.Steps {
		b.WriteString("\n")
		st.write(&b, i+1, x)
	}
	return b.String()
}

func (st *StepTrace) write(b *strings.Builder, n int, x *Explanation) {
	indent := strings.Repeat("   ", st.Depth())
	fmt.Fprintf(b, "%s%d. %s", indent, n, st.Step)
	if st.Action != "" {
		fmt.Fprintf(b, " (%s)", st.Action)
	}
	b.WriteString("\n")
	line := func(format string, args ...any) {
		b.WriteString(indent + "   ")
		fmt.Fprintf(b, format, args...)
		b.WriteString("\n")
	}
	for _, p := range st.Pauses {
		if p.Kind == engine.ActionRedirect {
			line("paused at a redirect")
		} else {
			line("paused at a screen")
		}
		for _, fields := range p.Refused {
			line("answer refused (%s wrong); screen shown again", strings.Join(fields, ", "))
		}
	}
	if r := st.Runs; r != nil {
		v := ""
		if r.FlowVersion != "" {
			v = " version " + r.FlowVersion
		}
		line("runs flow %s%s (%s); its steps follow", r.Flow, v, r.FlowHash)
	}
	if r := st.Returned; r != nil {
		if r.End != "" {
			line("flow %s ended at %s", r.Flow, r.End)
		} else {
			line("flow %s raised %s", r.Flow, r.Code)
		}
	}
	for _, r := range st.Retries {
		line("attempt %d failed with %s; retried after %s", r.Attempt, r.Code, r.Delay)
	}
	for _, ev := range st.Events {
		if len(ev.Data) > 0 {
			line("event %s %s", ev.Type, engine.FormatValue(ev.Data))
		} else {
			line("event %s", ev.Type)
		}
	}
	if st.Outcome != "" {
		line("completed with outcome %q, output %s", st.Outcome, engine.FormatValue(nonNil(st.Output)))
	}
	if st.Error != nil {
		line("failed with %s: %s", st.Error.Code, st.Error.Message)
	}
	for _, d := range st.Branches {
		for _, c := range d.Checks {
			line("line %d: %s", c.Line, c.String())
		}
		if d.Goto == "" {
			line("→ nowhere (%s)", d.Reason())
			continue
		}
		line("→ %s (%s)", d.Goto, d.Reason())
	}
	switch st.Ended {
	case "completed":
		line("the flow completed here with output %s", engine.FormatValue(nonNil(st.Output)))
	case "failed":
		if x.Error != nil && (st.Error == nil || st.Error.Code != x.Error.Code) {
			line("the execution failed here with %s: %s", x.Error.Code, x.Error.Message)
		} else {
			line("the execution failed here (no catch for %s)", errorCode(st.Error))
		}
	}
}

func errorCode(e *engine.ErrorInfo) string {
	if e == nil {
		return "the error"
	}
	return e.Code
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
