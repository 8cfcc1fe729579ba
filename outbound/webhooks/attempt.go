package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/outflowhq/outflow/store"
)

// Attempt makes the next attempt of a queued delivery: it signs and posts the payload, records
// the outcome and, after a failure, schedules the next attempt or lets the delivery die. A
// delivery no longer pending (done by another worker, retried meanwhile) is left alone.
func (w *Webhooks) Attempt(ctx context.Context, id string) (Delivery, error) {
	d, rev, err := w.loadDelivery(ctx, id)
	if errors.Is(err, ErrDeliveryNotFound) {
		return Delivery{}, nil // past retention: nothing to do
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("webhooks: attempt %q: %w", id, err)
	}
	if d.Status != StatusPending {
		return d.Delivery, nil
	}
	ep, secrets, err := w.forDelivery(ctx, d.EndpointID)
	switch {
	case errors.Is(err, ErrEndpointNotFound):
		d.Status, d.LastError = StatusDead, "the endpoint was deleted"
		return d.Delivery, w.settle(ctx, d, rev)
	case err != nil && ep == nil:
		return Delivery{}, fmt.Errorf("webhooks: attempt %q: %w", id, err)
	case ep.Disabled:
		d.Status, d.LastError = StatusDead, "the endpoint is disabled"
		return d.Delivery, w.settle(ctx, d, rev)
	}
	code, answer, aerr := w.post(ctx, ep, secrets, err, d)
	now := w.now()
	d.Attempts++
	d.LastAttemptAt, d.LastStatusCode, d.LastResponse, d.LastError = now, code, answer, ""
	d.NextAttemptAt = time.Time{}
	switch {
	case aerr == nil && code >= 200 && code < 300:
		d.Status = StatusSucceeded
	case d.Attempts > len(w.opts.RetrySchedule):
		d.Status = StatusDead
	default:
		d.NextAttemptAt = now.Add(jitter(w.opts.RetrySchedule[d.Attempts-1]))
	}
	if aerr != nil {
		d.LastError = aerr.Error()
	} else if d.Status != StatusSucceeded {
		d.LastError = fmt.Sprintf("the endpoint answered HTTP %d", code)
	}
	if err := w.settle(ctx, d, rev); err != nil {
		return d.Delivery, err
	}
	if !d.NextAttemptAt.IsZero() {
		if err := w.retry.Add(ctx, d.ID, d.NextAttemptAt); err != nil {
			return d.Delivery, fmt.Errorf("webhooks: schedule retry of %q: %w", d.ID, err)
		}
	}
	return d.Delivery, nil
}

// settle writes the delivery's new state; losing the compare-and-set means another worker (or a
// manual retry) moved it meanwhile, and its state stands.
func (w *Webhooks) settle(ctx context.Context, d *deliveryRecord, rev int64) error {
	err := w.saveDelivery(ctx, d, rev)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		d.NextAttemptAt = time.Time{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhooks: record attempt of %q: %w", d.ID, err)
	}
	return nil
}

// post sends one attempt; it returns the status and the start of the answer, or the error that
// kept an answer from coming (never holding a secret).
func (w *Webhooks) post(ctx context.Context, ep *endpointRecord, secrets []string, secretErr error, d *deliveryRecord) (int, string, error) {
	if secretErr != nil {
		return 0, "", errors.New("the signing secret could not be opened")
	}
	h, err := Headers(secrets, d.ID, w.now(), d.Payload)
	if err != nil {
		return 0, "", errors.New("the signing secret is malformed")
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, "", fmt.Errorf("the endpoint URL does not make a request: %w", err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Outflow-Webhooks/1")
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, "", attemptError(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, strings.ToValidUTF8(string(body), "?"), nil
}

// attemptError says why no answer came, without the URL's query (which could carry a token).
func attemptError(err error) error {
	switch {
	case errors.Is(err, ErrEgressDenied):
		return ErrEgressDenied
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the endpoint did not answer within %s", Timeout)
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return fmt.Errorf("the request failed: %v", ue.Unwrap())
	}
	return fmt.Errorf("the request failed: %v", err)
}

// jitter spreads a wait by up to ±20%.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}
