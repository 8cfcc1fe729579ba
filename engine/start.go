package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/outflowhq/outflow/store"
)

// Start starts an execution of the current version of flowID and runs it to its first pause or its
// end. One Redis round trip, besides what its actions do.
func (e *Engine) Start(ctx context.Context, flowID string, req StartRequest) (*Response, error) {
	f, ok := e.Flow(flowID)
	if !ok {
		return nil, fmt.Errorf("start flow %q: %w", flowID, ErrFlowNotFound)
	}
	if fields := req.Subject.Problems(); fields != nil {
		return nil, badInput(fields)
	}
	input, problems := f.ApplyInputs(req.Input)
	if problems != nil {
		fields := make(map[string]string, len(problems))
		for k, v := range problems {
			fields["input."+k] = v
		}
		return nil, badInput(fields)
	}
	if where, why := unencodable(input, "", nil); why != "" {
		return nil, badInput(map[string]string{joinPath("input", where): why})
	}
	now := e.clock.Now().UTC()
	ttl := f.TTL
	if ttl <= 0 {
		ttl = e.opts.DefaultTTL
	}
	rec := &record{
		ID: newID(), FlowID: f.ID, FlowHash: f.Hash, FlowVersion: f.Version,
		Subject: req.Subject, Input: input, Status: StatusWaiting, StepID: f.Start,
		Results:   map[string]map[string]any{},
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ttl),
		Binding: req.Binding,
		Pending: req.Deferred,
		Pins:    e.pins(f),
	}
	t := &transition{e: e, f: f, rec: rec, now: now}
	t.emit("", StartedEvent{FlowVersion: f.Version, FlowHash: f.Hash, Subject: req.Subject, Deferred: req.Deferred})
	if !req.Deferred {
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), runBudget)
		t.run(runCtx, nil)
		cancel()
	}
	data, events, err := t.encode()
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeBudget)
	defer cancel()
	create := store.ExecutionCreate{ID: rec.ID, Data: data, Nonce: rec.nonce, TTL: e.keep(rec), Events: events, MaxEvents: e.opts.MaxEvents}
	if err := e.store.CreateExecution(wctx, create); err != nil {
		return nil, fmt.Errorf("start flow %q: %w", flowID, err)
	}
	e.announce(ctx, rec, true)
	e.followWait(ctx, rec, false)
	if e.opts.Observer != nil {
		e.opts.Observer.ExecutionStarted(f.ID)
	}
	t.observeEnd()
	return t.response(), nil
}

// Get returns where an execution stands, without its nonce.
func (e *Engine) Get(ctx context.Context, executionID string) (*Response, error) {
	if _, err := e.settleWait(ctx, executionID); err != nil && !errors.Is(err, ErrExpired) {
		return nil, err
	}
	rec, err := e.load(ctx, executionID)
	if err != nil {
		return nil, err
	}
	return rec.response(false), nil
}

// Resume returns where an execution stands with its current nonce, for a trusted client that
// already holds the execution (a host rendering the current screen again, e.g. after a page reload
// in the browser the execution is bound to). Never hand it to an untrusted caller.
func (e *Engine) Resume(ctx context.Context, executionID string) (*Response, error) {
	if _, err := e.settleWait(ctx, executionID); err != nil && !errors.Is(err, ErrExpired) {
		return nil, err
	}
	rec, err := e.load(ctx, executionID)
	if err != nil {
		return nil, err
	}
	return rec.response(true), nil
}

func (e *Engine) load(ctx context.Context, executionID string) (*record, error) {
	x, err := e.store.GetExecution(ctx, executionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("execution %q: %w", executionID, ErrExecutionNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read execution %q: %w", executionID, err)
	}
	rec, err := decodeRecord(x)
	if err != nil {
		return nil, err
	}
	if rec.Status == StatusWaiting && e.clock.Now().After(rec.ExpiresAt) {
		rec.Status = StatusExpired
		rec.Error = &ErrorInfo{Code: "expired", Message: "This flow took too long and expired. Start it again."}
	}
	return rec, nil
}

// keep is how long Redis keeps the record: once finished, its flow's finished retention (else the
// engine's); before, its time to live plus the retention that lets late requests learn it expired.
func (e *Engine) keep(rec *record) time.Duration {
	if rec.finished() {
		e.mu.RLock()
		f := e.versions[rec.FlowHash]
		e.mu.RUnlock()
		if f != nil && f.FinishedRetention > 0 {
			return f.FinishedRetention
		}
		return e.opts.FinishedRetention
	}
	return rec.ExpiresAt.Sub(e.clock.Now()) + e.opts.Retention
}

// newID returns a new execution id: 128 random bits, URL-safe base64. It never begins with "-",
// so a command line (outflow explain ID) does not take it for a flag.
func newID() string {
	for {
		if id := randomString(16); id[0] != '-' {
			return id
		}
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
