package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
)

// Error codes a step running another flow (`action: flow`) may raise itself, besides the errors
// that flow raises and does not catch.
const (
	// CodeFlowUnavailable: the flow to run is not known to the engine.
	CodeFlowUnavailable = "flow_unavailable"
	// CodeFlowInput: the input does not match the flow's declared inputs.
	CodeFlowInput = "flow_input"
	// CodeTooDeep: sub-flows nest deeper than flows.MaxDepth.
	CodeTooDeep = "too_deep"
)

// frame is a flow that runs another one inside the execution: its state while the other runs.
type frame struct {
	FlowID      string                    `json:"flowId"`
	FlowHash    string                    `json:"flowHash"`
	StepID      string                    `json:"stepId"`
	Input       map[string]any            `json:"input"`
	Results     map[string]map[string]any `json:"results"`
	Form        map[string]any            `json:"form,omitempty"`
	Interaction string                    `json:"interaction,omitempty"`
	// Entered is the flow the step runs (its id and pinned hash).
	Entered     string `json:"entered"`
	EnteredHash string `json:"enteredHash"`
}

// current returns the flow whose steps run now: the innermost sub-flow, or the execution's flow.
func (r *record) current() (id, hash string) {
	if n := len(r.Frames); n > 0 {
		return r.Frames[n-1].Entered, r.Frames[n-1].EnteredHash
	}
	return r.FlowID, r.FlowHash
}

// stepPath is where the execution stands: the current step's id, prefixed with the steps that
// run the sub-flows it is in ("connect/choose").
func (r *record) stepPath() string { return r.prefix() + r.StepID }

func (r *record) prefix() string {
	if len(r.Frames) == 0 {
		return ""
	}
	var b strings.Builder
	for _, f := range r.Frames {
		b.WriteString(f.StepID)
		b.WriteByte('/')
	}
	return b.String()
}

// rootInput is the input the execution started with.
func (r *record) rootInput() map[string]any {
	if len(r.Frames) > 0 {
		return r.Frames[0].Input
	}
	return r.Input
}

// pins returns the version of every flow f may run as a sub-flow, directly or not, as the engine
// has them now: an execution keeps running these versions whatever changes later.
func (e *Engine) pins(f *flows.Flow) map[string]string {
	pins := map[string]string{}
	var walk func(*flows.Flow)
	walk = func(f *flows.Flow) {
		for _, c := range f.Calls {
			if _, done := pins[c.Flow]; done {
				continue
			}
			sub, ok := e.Flow(c.Flow)
			if !ok {
				continue
			}
			pins[c.Flow] = sub.Hash
			walk(sub)
		}
	}
	walk(f)
	if len(pins) == 0 {
		return nil
	}
	return pins
}

// enter starts the flow a step runs: the current flow's state is kept in a frame and the entered
// flow's first step is next. An error is the step's, for its catch.
func (t *transition) enter(ctx context.Context, step *flows.Step, in *actions.Enter) error {
	rec := t.rec
	if len(rec.Frames) >= flows.MaxDepth {
		return &actions.Error{Code: CodeTooDeep, Message: fmt.Sprintf("Flows nest deeper than %d.", flows.MaxDepth)}
	}
	hash, ok := rec.Pins[in.Flow]
	if !ok {
		return &actions.Error{Code: CodeFlowUnavailable, Message: fmt.Sprintf("The flow %s is not available.", in.Flow)}
	}
	sub, err := t.e.version(ctx, in.Flow, hash)
	if err != nil {
		return &actions.Error{Code: CodeFlowUnavailable, Message: fmt.Sprintf("The flow %s is not available.", in.Flow), Err: err}
	}
	input, problems := sub.ApplyInputs(in.Input)
	if problems != nil {
		names := make([]string, 0, len(problems))
		for _, k := range slices.Sorted(maps.Keys(problems)) {
			names = append(names, k+" "+problems[k])
		}
		return &actions.Error{Code: CodeFlowInput, Message: fmt.Sprintf("The input of flow %s is wrong: %s.", in.Flow, strings.Join(names, "; "))}
	}
	t.emit(step.ID, SubflowStartedEvent{Flow: sub.ID, FlowVersion: sub.Version, FlowHash: sub.Hash})
	rec.Frames = append(rec.Frames, frame{
		FlowID: t.f.ID, FlowHash: t.f.Hash, StepID: step.ID, Input: rec.Input, Results: rec.Results,
		Form: rec.Form, Interaction: rec.Interaction, Entered: sub.ID, EnteredHash: sub.Hash,
	})
	rec.StepID, rec.Input, rec.Results = sub.Start, input, map[string]map[string]any{}
	rec.Form, rec.Interaction, t.form = nil, "", nil
	t.f = sub
	return nil
}

// leave returns from the current sub-flow to the step that runs it, whose flow's state comes back.
// It reports false when that flow cannot be loaded (the execution has failed).
func (t *transition) leave(ctx context.Context, ended SubflowEndedEvent) (*flows.Step, bool) {
	rec := t.rec
	n := len(rec.Frames)
	fr := rec.Frames[n-1]
	rec.Frames = rec.Frames[:n-1]
	rec.StepID, rec.Input, rec.Results = fr.StepID, fr.Input, fr.Results
	rec.Form, rec.Interaction, t.form = fr.Form, fr.Interaction, nil
	if rec.Results == nil {
		rec.Results = map[string]map[string]any{}
	}
	ended.Flow = fr.Entered
	t.emit(fr.StepID, ended)
	f, err := t.e.version(ctx, fr.FlowID, fr.FlowHash)
	if err == nil {
		t.f = f
		if step, ok := f.Step(fr.StepID); ok {
			return step, true
		}
	}
	t.failExecution(fr.StepID, &ErrorInfo{Code: "flow_version_unavailable", Message: "This flow has changed and the version this execution started on is no longer available. Start it again."})
	return nil, false
}

// ended turns the end of a sub-flow into the result of the step that runs it, and returns to that
// step: the end's output, checked against the flow's declared outputs, and the end step's id as
// the outcome. It reports false when the execution failed on the way.
func (t *transition) ended(ctx context.Context, end *flows.Step, res actions.Result) (stepResult, bool) {
	out := res.Output
	if out == nil {
		out = map[string]any{}
	}
	var err error
	if t.f.Outputs != nil {
		if _, cerr := t.f.OutputType().Coerce(out); cerr != nil {
			err = &actions.Error{Code: actions.CodeOutput, Message: fmt.Sprintf("The output of flow %s does not match its declared outputs: %v.", t.f.ID, cerr)}
		}
	}
	t.observe(end, "completed")
	step, ok := t.leave(ctx, SubflowEndedEvent{End: end.ID})
	if !ok {
		return stepResult{}, false
	}
	if err != nil {
		return stepResult{step: step, err: err}, true
	}
	r, err := kept(step, actions.Done(end.ID, out))
	return stepResult{step: step, res: r, err: err}, true
}

// raised returns an error a sub-flow does not catch to the step that runs it. It reports false
// when the execution failed on the way.
func (t *transition) raised(ctx context.Context, step *flows.Step, err error) (stepResult, bool) {
	ae := actions.AsError(err)
	t.emit(step.ID, StepFailedEvent{Code: ae.Code, Message: ae.Message})
	t.observe(step, "failed")
	parent, ok := t.leave(ctx, SubflowEndedEvent{Code: ae.Code})
	if !ok {
		return stepResult{}, false
	}
	return stepResult{step: parent, err: err}, true
}
