// Package explain tells, from an execution's event log, what the execution did and why it went
// where it went, as a structure (JSON) and as text for people.
package explain

import (
	"context"
	"strings"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
)

// Explanation tells, step by step, what an execution did and why it went where it went: each step
// entered, its pauses, refused answers, retries, outcome or error, and for each branch the conditions
// evaluated with the values they read and the step chosen. It is built from the event log alone, so
// it holds no secret the log does not (and the log holds none).
type Explanation struct {
	ExecutionID string `json:"executionId,omitempty"`
	FlowID      string `json:"flowId,omitempty"`
	FlowVersion string `json:"flowVersion,omitempty"`
	FlowHash    string `json:"flowHash,omitempty"`
	// Subject is who the execution runs for, as the start event recorded it.
	Subject actions.Subject `json:"subject"`
	Started time.Time       `json:"started,omitzero"`
	// Status is the execution's status: from its record with Execution; from the log alone with
	// Events (waiting until a completed or failed event says otherwise).
	Status engine.Status     `json:"status"`
	Output map[string]any    `json:"output,omitempty"`
	Error  *engine.ErrorInfo `json:"error,omitempty"`
	// Truncated is true when the capped log lost its oldest events.
	Truncated bool        `json:"truncated,omitempty"`
	Steps     []StepTrace `json:"steps"`
}

// StepTrace is one visit of a step: a step entered twice (a loop) has two.
type StepTrace struct {
	Step    string    `json:"step"`
	Action  string    `json:"action,omitempty"`
	Entered time.Time `json:"entered,omitzero"`
	// Pauses lists each pause in order.
	Pauses  []PauseTrace `json:"pauses,omitempty"`
	Retries []RetryTrace `json:"retries,omitempty"`
	// Outcome and Output are set when the step completed.
	Outcome string         `json:"outcome,omitempty"`
	Output  map[string]any `json:"output,omitempty"`
	// Error is set when the step failed (after its retries).
	Error *engine.ErrorInfo `json:"error,omitempty"`
	// Branches holds how the step chose the next one: usually one decision; two when evaluating a
	// condition failed and the error was then caught.
	Branches []engine.Decision `json:"branches,omitempty"`
	// Ended is "completed" or "failed" when the execution ended at this step.
	Ended string `json:"ended,omitempty"`
	// Events are the other entries of the step: those its action added, refused redirects.
	Events []engine.Event `json:"events,omitempty"`
	// Runs is set when the step started another flow (action: flow); the steps of that flow follow,
	// named by their path ("connect/choose"), then the step again with Returned.
	Runs *engine.SubflowStartedEvent `json:"runs,omitempty"`
	// Returned is how the flow the step ran ended.
	Returned *engine.SubflowEndedEvent `json:"returned,omitempty"`
}

// Depth is how many sub-flows deep the step is (0 for a step of the execution's flow).
func (st *StepTrace) Depth() int { return strings.Count(st.Step, "/") }

// PauseTrace is one pause of a step.
type PauseTrace struct {
	// Kind is "screen" or "redirect".
	Kind string `json:"kind"`
	// Refused lists, for each answer refused at this screen (and the screen shown again), the
	// fields that were wrong.
	Refused [][]string `json:"refused,omitempty"`
}

// RetryTrace is one retry of a step.
type RetryTrace struct {
	Attempt int           `json:"attempt"`
	Code    string        `json:"code"`
	Delay   time.Duration `json:"delayNs"`
}

// Events builds the explanation of an execution from its event log (oldest first).
func Events(events []engine.Event) *Explanation {
	x := &Explanation{Status: engine.StatusWaiting, Steps: []StepTrace{}}
	if len(events) > 0 && events[0].Seq > 1 {
		x.Truncated = true
	}
	cur := func(stepID string) *StepTrace {
		if n := len(x.Steps); n > 0 && (stepID == "" || x.Steps[n-1].Step == stepID) {
			return &x.Steps[n-1]
		}
		x.Steps = append(x.Steps, StepTrace{Step: stepID})
		return &x.Steps[len(x.Steps)-1]
	}
	for _, ev := range events {
		p, ok := ev.Payload()
		if !ok {
			cur(ev.StepID).Events = append(cur(ev.StepID).Events, ev)
			continue
		}
		switch p := p.(type) {
		case engine.StartedEvent:
			x.Started = ev.At
			x.FlowVersion, x.FlowHash, x.Subject = p.FlowVersion, p.FlowHash, p.Subject
			continue
		case engine.StepEnteredEvent:
			x.Steps = append(x.Steps, StepTrace{Step: ev.StepID, Action: p.Action, Entered: ev.At})
			continue
		}
		st := cur(ev.StepID)
		switch p := p.(type) {
		case engine.StepPausedEvent:
			st.Pauses = append(st.Pauses, PauseTrace{Kind: p.Action})
		case engine.InputRejectedEvent:
			if len(st.Pauses) == 0 {
				st.Pauses = append(st.Pauses, PauseTrace{Kind: engine.ActionScreen})
			}
			pt := &st.Pauses[len(st.Pauses)-1]
			pt.Refused = append(pt.Refused, orEmpty(p.Fields))
		case engine.StepRetriedEvent:
			st.Retries = append(st.Retries, RetryTrace{
				Attempt: p.Attempt, Code: p.Code, Delay: time.Duration(p.DelayMs) * time.Millisecond,
			})
		case engine.StepCompletedEvent:
			st.Outcome, st.Output = p.Outcome, p.Output
		case engine.StepFailedEvent:
			st.Error = &engine.ErrorInfo{Code: p.Code, Message: p.Message}
		case engine.Decision:
			st.Branches = append(st.Branches, p)
		case engine.CompletedEvent:
			st.Ended = "completed"
			x.Status = engine.StatusCompleted
			x.Output = p.Output
			st.Output = x.Output
		case engine.SubflowStartedEvent:
			st.Runs = &p
		case engine.SubflowEndedEvent:
			st.Returned = &p
		case engine.FailedEvent:
			st.Ended = "failed"
			x.Status = engine.StatusFailed
			x.Error = &engine.ErrorInfo{Code: p.Code, Message: p.Message}
		default:
			st.Events = append(st.Events, ev)
		}
	}
	return x
}

// Execution reads an execution's record and event log from e and explains it. It fails with
// engine.ErrExecutionNotFound for an unknown execution.
func Execution(ctx context.Context, e *engine.Engine, executionID string) (*Explanation, error) {
	resp, err := e.Get(ctx, executionID)
	if err != nil {
		return nil, err
	}
	events, err := e.Events(ctx, executionID)
	if err != nil {
		return nil, err
	}
	x := Events(events)
	x.ExecutionID, x.FlowID, x.Status = resp.ExecutionID, resp.FlowID, resp.Status
	if resp.FlowVersion != "" {
		x.FlowVersion = resp.FlowVersion
	}
	if resp.Output != nil {
		x.Output = resp.Output
	}
	if resp.Error != nil {
		x.Error = resp.Error
	}
	return x, nil
}

// orEmpty returns list, or an empty list for nil.
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
