package engine

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flows"
)

// Spans of a transition and of its steps carry ids, kinds and outcomes: never a flow value, an
// input, an output or an error message (they may hold what a user typed).

// traceTransition starts the span of one transition, when tracing is on; end closes it with the
// execution's status.
func (t *transition) traceTransition(ctx context.Context) (_ context.Context, end func()) {
	if t.e.tracer == nil {
		return ctx, func() {}
	}
	ctx, span := t.e.tracer.Start(ctx, "flow.transition", trace.WithAttributes(
		attribute.String("outflow.flow.id", t.rec.FlowID),
		attribute.String("outflow.flow.version", t.f.Hash),
		attribute.String("outflow.execution.id", t.rec.ID),
	))
	return ctx, func() {
		span.SetAttributes(attribute.String("outflow.execution.status", string(t.rec.Status)))
		if t.rec.Status == StatusFailed {
			span.SetStatus(codes.Error, "")
		}
		span.End()
	}
}

// traceStep starts the span of one run of step, when tracing is on; end closes it with how the
// run ended: the outcome taken, "paused", or the error code.
func (t *transition) traceStep(ctx context.Context, step *flows.Step) (_ context.Context, end func(actions.Result, error)) {
	if t.e.tracer == nil {
		return ctx, func(actions.Result, error) {}
	}
	ctx, span := t.e.tracer.Start(ctx, "flow.step "+step.ID, trace.WithAttributes(
		attribute.String("outflow.flow.id", t.rec.FlowID),
		attribute.String("outflow.step.id", t.rec.prefix()+step.ID),
		attribute.String("outflow.step.kind", step.Kind.Name),
	))
	return ctx, func(res actions.Result, err error) {
		switch {
		case err != nil:
			code := actions.AsError(err).Code
			span.SetAttributes(attribute.String("outflow.step.outcome", "error"), attribute.String("outflow.step.error_code", code))
			span.SetStatus(codes.Error, code)
		case res.Pauses():
			span.SetAttributes(attribute.String("outflow.step.outcome", "paused"))
		case res.Finish:
			span.SetAttributes(attribute.String("outflow.step.outcome", "end"))
		default:
			outcome := res.Outcome
			if outcome == "" {
				outcome = actions.Success
			}
			span.SetAttributes(attribute.String("outflow.step.outcome", outcome))
		}
		span.End()
	}
}
