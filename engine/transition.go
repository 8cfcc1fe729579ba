package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
)

// transition is one request's worth of progress on one execution: it runs steps until a pause or
// the end, collecting events, and is then written with a single compare-and-set.
type transition struct {
	e      *Engine
	f      *flows.Flow
	rec    *record
	now    time.Time
	events []Event
	// form holds the latest screen values for this request, secret ones included.
	form map[string]any
	// took is how long the last attempt of the current step's action ran, for the Observer.
	took time.Duration
	// secrets are the secret values submitted in this request; encode scrubs them from everything it
	// writes, whatever a flow did with them.
	secrets []string
}

func (t *transition) event(typ, stepID string, data map[string]any) {
	stepID = t.rec.prefix() + stepID
	t.rec.Seq++
	t.events = append(t.events, Event{Seq: t.rec.Seq, At: t.e.clock.Now().UTC(), Type: typ, StepID: stepID, Data: data})
}

// emit records one of the engine's own events; encode writes its payload as the event's data.
func (t *transition) emit(stepID string, p Payload) {
	if stepID != "" {
		stepID = t.rec.prefix() + stepID
	}
	t.rec.Seq++
	t.events = append(t.events, Event{Seq: t.rec.Seq, At: t.e.clock.Now().UTC(), Type: p.EventType(), StepID: stepID, payload: p})
}

// run executes steps from the current one; resume answers the current step's pause.
func (t *transition) run(ctx context.Context, resume *actions.Resume) {
	ctx, end := t.traceTransition(ctx)
	defer end()
	rec := t.rec
	state := json.RawMessage(nil)
	if rec.Pause != nil {
		state = rec.Pause.State
	}
	if resume != nil {
		t.takeForm(resume)
	}
	rec.Pause = nil
	for n := 0; ; n++ {
		if n >= t.e.opts.MaxStepsPerRequest {
			t.failExecution(rec.StepID, &ErrorInfo{Code: "too_many_steps", Message: "The flow ran too many steps without waiting for the user."})
			return
		}
		step, ok := t.f.Step(rec.StepID)
		if !ok {
			t.failExecution(rec.StepID, &ErrorInfo{Code: actions.CodeInternal, Message: "The flow refers to a step that does not exist."})
			return
		}
		if resume == nil {
			t.emit(step.ID, StepEnteredEvent{Action: step.Kind.Name})
		}
		nonce := randomString(18)
		call := &actions.Call{
			ExecutionID: rec.ID, FlowID: rec.FlowID, StepID: rec.prefix() + step.ID, Subject: rec.Subject,
			Now: t.e.clock.Now(), Scope: t.scope(), Resume: resume, State: state, Nonce: nonce, Binding: rec.Binding,
			Logger: t.e.stepLogger(rec.ID, t.f.ID, step.ID),
		}
		sctx, endStep := t.traceStep(ctx, step)
		res, err := t.runStep(sctx, step, call)
		if err == nil {
			res, err = kept(step, res)
		}
		endStep(res, err)
		t.actionEvents(step, call.Emitted())
		resume, state = nil, nil
		if !t.settle(ctx, stepResult{step: step, res: res, err: err}, nonce) {
			return
		}
	}
}

// stepResult is how a run of a step ended.
type stepResult struct {
	step *flows.Step
	res  actions.Result
	err  error
}

// settle acts on how a step ended: it routes an error to a catch, enters a sub-flow, ends the
// flow (or the sub-flow, completing the step that runs it), pauses, or takes the outcome's branch.
// It reports whether the run goes on with rec.StepID.
func (t *transition) settle(ctx context.Context, r stepResult, nonce string) bool {
	for {
		var ok bool
		step, res := r.step, r.res
		switch {
		case r.err != nil && len(t.rec.Frames) > 0 && catchTarget(step, actions.AsError(r.err).Code) == "":
			if r, ok = t.raised(ctx, step, r.err); !ok {
				return false
			}
			continue
		case r.err != nil:
			return t.caught(step, r.err)
		case res.Enter != nil:
			err := t.enter(ctx, step, res.Enter)
			if err == nil {
				return true
			}
			r = stepResult{step: step, err: err}
			continue
		case res.Finish && len(t.rec.Frames) > 0:
			if r, ok = t.ended(ctx, step, res); !ok {
				return false
			}
			continue
		case res.Finish:
			t.complete(step, res)
			return false
		case res.Pauses():
			t.pause(step, res, nonce)
			return false
		}
		return t.completed(step, res)
	}
}

// completed records a step's outcome and output and takes the branch they lead to. It reports
// whether the run goes on.
func (t *transition) completed(step *flows.Step, res actions.Result) bool {
	rec := t.rec
	outcome := res.Outcome
	if outcome == "" {
		outcome = actions.Success
	}
	rec.Results[step.ID] = map[string]any{"output": res.Output, "outcome": outcome}
	t.emit(step.ID, StepCompletedEvent{Outcome: outcome, Output: redacted(res.Output, res.Redact)})
	t.observe(step, "completed")
	d, err := route(t.f, step, outcome, t.scope)
	if err != nil {
		t.emit(step.ID, d)
		return t.caught(step, err)
	}
	if d.Goto == "" {
		t.failExecution(step.ID, &ErrorInfo{Code: "no_branch", Message: fmt.Sprintf("Step %s completed with outcome %q, which leads nowhere.", step.ID, outcome)})
		return false
	}
	t.emit(step.ID, d)
	rec.StepID = d.Goto
	return true
}

// actionEvents adds the events an action emitted. The data of an event that JSON cannot hold is
// dropped (the event stays), so an event never makes the execution impossible to write.
func (t *transition) actionEvents(step *flows.Step, evs []actions.Event) {
	for _, ev := range evs {
		err := ev.Err()
		if err == nil {
			_, err = json.Marshal(ev.Data)
		}
		if err != nil {
			t.e.log.Warn("event data cannot be stored; dropped", "execution", t.rec.ID, "step", step.ID, "event", ev.Type, "error", err)
			ev.Data = map[string]any{"dropped": "the event's data could not be stored"}
		}
		t.event(ev.Type, step.ID, ev.Data)
	}
}

// takeForm makes a screen answer the latest form: all values for this request, the non-secret ones
// persisted.
func (t *transition) takeForm(resume *actions.Resume) {
	p := t.rec.Pause
	if p == nil || p.Screen == nil {
		return
	}
	step, _ := t.f.Step(t.rec.StepID)
	kept := map[string]any{}
	visible := map[string]any{}
	for _, f := range p.Screen.Fields {
		v, ok := resume.Input[f.Name]
		if !ok {
			continue
		}
		if f.Secret {
			if sv, ok := v.(string); ok && sv != "" {
				t.secrets = append(t.secrets, sv)
			}
			// Secret values reach expressions only for kinds that ask to read them, and only during
			// this request.
			if step != nil && step.Kind.ReadsSecretInput {
				visible[f.Name] = v
			}
			continue
		}
		kept[f.Name] = v
		visible[f.Name] = v
	}
	t.rec.Form = kept
	t.rec.Interaction = resume.Interaction
	t.form = visible
}

func (t *transition) scope() map[string]any {
	form := t.rec.Form
	if t.form != nil {
		form = t.form
	}
	return t.f.NewScope(flows.ScopeValues{
		Input: t.rec.Input, Results: t.rec.Results, Form: form,
		Interaction: t.rec.Interaction, Subject: t.rec.Subject, Now: t.e.clock.Now(),
	})
}

// caught routes a step's error to its catch step, or fails the execution. It reports whether the
// run continues.
func (t *transition) caught(step *flows.Step, err error) bool {
	ae := actions.AsError(err)
	if ae.Code == actions.CodeInternal {
		t.e.log.Error("step failed", "execution", t.rec.ID, "flow", t.rec.FlowID, "step", step.ID, "error", err)
	}
	t.emit(step.ID, StepFailedEvent{Code: ae.Code, Message: ae.Message})
	t.observe(step, "failed")
	target := catchTarget(step, ae.Code)
	if target == "" {
		t.failExecution(step.ID, &ErrorInfo{Code: ae.Code, Message: ae.Message})
		return false
	}
	t.rec.Results[step.ID] = map[string]any{"outcome": "error:" + ae.Code}
	t.emit(step.ID, Decision{Outcome: "error:" + ae.Code, Via: "catch", Goto: target})
	t.rec.StepID = target
	return true
}

func (t *transition) complete(step *flows.Step, res actions.Result) {
	rec := t.rec
	rec.Status = StatusCompleted
	rec.Output = res.Output
	if rec.Output == nil {
		rec.Output = map[string]any{}
	}
	fin := &finish{Screen: res.Screen, RedirectURL: res.FinishRedirect}
	if fin.RedirectURL != "" && (t.e.opts.RedirectAllowed == nil || !t.e.opts.RedirectAllowed(fin.RedirectURL)) {
		reason := "the redirect URL is not allowed"
		if t.e.opts.RedirectAllowed == nil {
			reason = "redirects are off: the host set no redirect policy"
		}
		t.emit(step.ID, RedirectRefusedEvent{Reason: reason})
		// The log names the origin only: a query string may carry what the flow put there.
		t.e.log.Warn("engine: end-of-flow redirect dropped", "execution", rec.ID, "flow", rec.FlowID, "step", step.ID,
			"origin", urlOrigin(fin.RedirectURL), "reason", reason)
		fin.RedirectURL = ""
	}
	if fin.Screen != nil || fin.RedirectURL != "" {
		rec.Finish = fin
	}
	rec.nonce = ""
	t.observe(step, "completed")
	t.emit(step.ID, CompletedEvent{Output: rec.Output})
}

func (t *transition) pause(step *flows.Step, res actions.Result, nonce string) {
	rec := t.rec
	var state json.RawMessage
	if res.State != nil {
		b, err := json.Marshal(res.State)
		if err != nil {
			t.failExecution(step.ID, &ErrorInfo{Code: actions.CodeInternal, Message: "The step could not save its state."})
			return
		}
		state = b
	}
	p := &pause{RedirectURL: res.RedirectURL, State: state}
	kind := ActionRedirect
	switch {
	case res.Screen != nil:
		s := res.Screen.Redacted()
		p.Screen, p.RedirectURL, kind = &s, "", ActionScreen
	case res.Wait != nil:
		p.Wait, p.RedirectURL, kind = res.Wait, "", ActionWait
		if u := res.Wait.Until; !u.IsZero() && u.After(rec.ExpiresAt) {
			// The execution lives until its wait times out, and then its time to live again.
			rec.ExpiresAt = u.Add(rec.ExpiresAt.Sub(rec.CreatedAt))
		}
	}
	rec.Pause = p
	rec.nonce = nonce
	t.observe(step, "paused")
	t.emit(step.ID, StepPausedEvent{Action: kind})
}

func (t *transition) failExecution(stepID string, info *ErrorInfo) {
	t.rec.Status = StatusFailed
	t.rec.Error = info
	t.rec.nonce = ""
	t.emit(stepID, FailedEvent{Code: info.Code, Message: info.Message})
}

// observe tells the Observer how a step's run ended: completed (with an outcome, or ending the
// flow), paused, retried or failed, with how long its action ran.
func (t *transition) observe(step *flows.Step, result string) {
	if o := t.e.opts.Observer; o != nil {
		o.StepFinished(t.rec.FlowID, step.Kind.Name, result, t.took)
	}
}

func (t *transition) observeEnd() {
	if o := t.e.opts.Observer; o != nil && t.rec.Status != StatusWaiting {
		o.ExecutionFinished(t.rec.FlowID, t.rec.Status)
	}
}

// encode serializes the record and the new events, with any secret submitted in this request
// scrubbed from them.
func (t *transition) encode() ([]byte, [][]byte, error) {
	t.scrub()
	t.rec.UpdatedAt = t.e.clock.Now().UTC()
	data, err := json.Marshal(t.rec)
	if err != nil {
		return nil, nil, fmt.Errorf("encode execution: %w", err)
	}
	events := make([][]byte, 0, len(t.events))
	for _, ev := range t.events {
		b, err := encodeEvent(ev)
		if errors.Is(err, errPayload) {
			// As for an action's events: the data is dropped, the event stays.
			t.e.log.Warn("event data cannot be stored; dropped", "execution", t.rec.ID, "step", ev.StepID, "event", ev.Type)
			ev.payload, ev.Data = nil, map[string]any{"dropped": "the event's data could not be stored"}
			b, err = encodeEvent(ev)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("encode event: %w", err)
		}
		events = append(events, b)
	}
	return data, events, nil
}

// response renders the execution as it now stands, with the nonce of its pause.
func (t *transition) response() *Response { return t.rec.response(true) }

// urlOrigin is the scheme and host of raw, or "" when it has none.
func urlOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
