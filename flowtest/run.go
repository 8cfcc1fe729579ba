package flowtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/screentext"
	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// maxEvents is the event log cap in scenarios: high, so coverage sees every branch.
const maxEvents = 100000

// runner runs one scenario.
type runner struct {
	sc     *scenario
	eng    *engine.Engine
	clock  *clock.Fake
	resp   *engine.Response
	mocked map[string]bool
	res    *ScenarioResult
}

// run runs one scenario on st: a fresh copy of its flow with the scenario's mocks, a fresh engine
// and a fake clock of its own.
func (s *suite) run(ctx context.Context, st *store.Store, sc *scenario, log *slog.Logger) ScenarioResult {
	res := ScenarioResult{Flow: sc.flowID, Name: sc.name, File: sc.file, Line: sc.line, flow: sc.flow}
	r := &runner{sc: sc, res: &res, clock: clock.NewFake(s.now()), mocked: map[string]bool{}}
	if err := r.start(ctx, s, st, log); err != nil {
		r.fail("%v", err)
	} else {
		r.interact(ctx)
		if !res.Failed() {
			r.check(ctx, sc.expect, "", true)
		}
	}
	if r.resp != nil {
		res.ExecutionID = r.resp.ExecutionID
		res.Status = string(r.resp.Status)
		if x, err := explain.Execution(ctx, r.eng, r.resp.ExecutionID); err == nil {
			res.Trace = x
			res.Path = pathOf(x)
			// Even when a catch routed it on, as the scenario expected: a step that needs a
			// service the test does not provide proves nothing about the flow.
			res.Failures = append(res.Failures, r.unmocked(x)...)
		}
	}
	return res
}

func (r *runner) fail(format string, args ...any) {
	r.res.Failures = append(r.res.Failures, fmt.Sprintf(format, args...))
}

// start loads a private copy of the flow (mocks replace the actions of its steps), and starts it.
func (r *runner) start(ctx context.Context, s *suite, st *store.Store, log *slog.Logger) error {
	f, err := s.loader.Load(r.sc.flow.File, r.sc.flow.Source)
	if err != nil {
		return fmt.Errorf("load flow %q: %w", r.sc.flowID, err)
	}
	subs := map[string]*flows.Flow{}
	for _, sub := range s.called(f) {
		if subs[sub.ID], err = s.loader.Load(sub.File, sub.Source); err != nil {
			return fmt.Errorf("load flow %q: %w", sub.ID, err)
		}
	}
	for path, results := range r.sc.mocks {
		if step, ok := mockedStep(f, subs, path); ok && len(results) > 0 {
			step.Action = &mockAction{results: results}
			r.mocked[path] = true
		}
	}
	r.eng, err = engine.New(engine.Options{
		Store: st, Registry: s.opts.Registry, Limits: s.opts.Limits, Clock: r.clock, Logger: log, MaxEvents: maxEvents,
	})
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if err := r.eng.AddFlow(ctx, sub); err != nil {
			return err
		}
	}
	if err := r.eng.AddFlow(ctx, f); err != nil {
		return err
	}
	resp, err := r.eng.Start(ctx, f.ID, engine.StartRequest{Input: r.sc.input, Subject: r.sc.subject})
	if err != nil {
		return fmt.Errorf("start flow %q: %w", f.ID, err)
	}
	r.resp = resp
	return nil
}

// mockedStep finds the step a mock replaces: a step of f, or by its path ("connect/choose") a step
// of a sub-flow, in the private copies subs. A mocked sub-flow step is mocked wherever that flow
// runs in the scenario.
func mockedStep(f *flows.Flow, subs map[string]*flows.Flow, path string) (*flows.Step, bool) {
	parts := strings.Split(path, "/")
	for _, part := range parts[:len(parts)-1] {
		s, ok := f.Step(part)
		if !ok {
			return nil, false
		}
		if f = subs[calledFlow(s)]; f == nil {
			return nil, false
		}
	}
	return f.Step(parts[len(parts)-1])
}

// interact plays the interactions in order, stopping at the first that fails.
func (r *runner) interact(ctx context.Context) {
	for i, it := range r.sc.interactions {
		where := fmt.Sprintf("interaction %d (line %d)", i+1, it.line)
		if it.expect != nil && !r.check(ctx, it.expect, "before "+where, false) {
			return
		}
		switch {
		case it.press != "":
			if !r.press(ctx, it, where) {
				return
			}
		case it.signal != nil:
			if !r.signal(ctx, it, where) {
				return
			}
		case it.advance > 0:
			r.clock.Advance(it.advance)
			resp, err := r.eng.Resume(ctx, r.resp.ExecutionID)
			if err != nil {
				r.fail("%s: read the execution after advancing the clock: %v", where, err)
				return
			}
			r.resp = resp
		}
	}
}

// press answers the current pause with a button (or the callback of a redirect).
func (r *runner) press(ctx context.Context, it interaction, where string) bool {
	cur := r.resp
	if cur.Status == engine.StatusExpired {
		r.fail("%s: cannot press %q at step %q: the execution expired at %s (the clock is at %s)", where, it.press, cur.StepID,
			cur.ExpiresAt.UTC().Format(time.RFC3339), r.clock.Now().UTC().Format(time.RFC3339))
		return false
	}
	if cur.Status != engine.StatusWaiting {
		r.fail("%s: cannot press %q: the execution is %s at step %q%s", where, it.press, cur.Status, cur.StepID, r.why(ctx))
		return false
	}
	if cur.Wait != nil {
		r.fail("%s: cannot press %q: step %q waits for a signal, not for a screen; answer it with `signal:`", where, it.press, cur.StepID)
		return false
	}
	next, err := r.eng.Next(ctx, cur.ExecutionID, engine.NextRequest{
		StepID: cur.StepID, Interaction: it.press, Input: it.with, Nonce: cur.Nonce,
	})
	var inErr *outbound.InvalidError
	switch {
	case errors.Is(err, engine.ErrExpired):
		r.fail("%s: pressed %q at step %q, but the execution had expired at %s (the clock is at %s)", where, it.press, cur.StepID,
			cur.ExpiresAt.UTC().Format(time.RFC3339), r.clock.Now().UTC().Format(time.RFC3339))
		r.refresh(ctx)
		return false
	case errors.As(err, &inErr):
		r.fail("%s: pressed %q at step %q: %s%s", where, it.press, cur.StepID, refusedInput(inErr), refusedNote(cur))
		return false
	case err != nil:
		r.fail("%s: press %q at step %q: %v", where, it.press, cur.StepID, err)
		return false
	}
	r.resp = next
	return true
}

// signal answers the wait the execution is paused at with a payload, with the wait's token, as
// the outside system would.
func (r *runner) signal(ctx context.Context, it interaction, where string) bool {
	cur := r.resp
	if cur.Status != engine.StatusWaiting || cur.Wait == nil {
		r.fail("%s: cannot signal: the execution is %s at step %q, not waiting for a signal%s", where, cur.Status, cur.StepID, r.why(ctx))
		return false
	}
	tok, err := r.eng.WaitToken(ctx, cur.ExecutionID)
	if err == nil {
		r.resp, err = r.eng.Signal(ctx, cur.ExecutionID, engine.SignalRequest{Token: tok, Payload: it.signal})
	}
	var inErr *outbound.InvalidError
	switch {
	case errors.As(err, &inErr):
		r.fail("%s: signalled step %q: %s", where, cur.StepID, refusedInput(inErr))
		r.resp = cur
		return false
	case err != nil:
		r.fail("%s: signal step %q: %v", where, cur.StepID, err)
		r.resp = cur
		return false
	}
	return true
}

// refresh reads where the execution stands.
func (r *runner) refresh(ctx context.Context) {
	if resp, err := r.eng.Resume(ctx, r.resp.ExecutionID); err == nil {
		r.resp = resp
	}
}

// refusedFields lists the field errors of the screen a response shows, as `email: "Work email is
// required."`: the answer to it was refused and the screen came back. "" when it has none.
func refusedFields(resp *engine.Response) string {
	if resp == nil || resp.Status != engine.StatusWaiting || resp.Screen == nil {
		return ""
	}
	var out []string
	for _, m := range resp.Screen.Messages {
		if m.Field != "" && m.Level == actions.LevelError {
			out = append(out, fmt.Sprintf("%s: %q", m.Field, screentext.Text(flows.DefaultLocale, m.Text, nil)))
		}
	}
	return strings.Join(out, ", ")
}

// refusedNote is `; the screen came back with field errors: ...` when the screen a response shows
// refused an answer.
func refusedNote(resp *engine.Response) string {
	if f := refusedFields(resp); f != "" {
		return "; the screen came back with field errors: " + f
	}
	return ""
}

// refusedInput says which input fields the engine refused and why, a sentence per field.
func refusedInput(ie *outbound.InvalidError) string {
	parts := make([]string, len(ie.Fields))
	for i, f := range ie.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}
