package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
	"github.com/redis/go-redis/v9"
)

// Status is where a delivery stands.
type Status string

// Delivery statuses.
const (
	// StatusPending: queued, or waiting for its next attempt (NextAttemptAt).
	StatusPending Status = "pending"
	// StatusSucceeded: the endpoint answered 2xx.
	StatusSucceeded Status = "succeeded"
	// StatusDead: every attempt failed (or the endpoint was deleted or disabled); the delivery
	// is kept as a dead letter until retried by hand or past retention.
	StatusDead Status = "dead"
)

// Delivery is one event for one endpoint. Its ID is the webhook-id header, the same on every
// attempt.
type Delivery struct {
	ID             string      `json:"id"`
	EndpointID     string      `json:"endpointId"`
	EventID        string      `json:"eventId"`
	EventType      events.Type `json:"eventType"`
	Status         Status      `json:"status"`
	Attempts       int         `json:"attempts"`
	LastStatusCode int         `json:"lastStatusCode,omitempty"`
	// LastResponse is the start (at most 1 KiB) of the endpoint's last answer.
	LastResponse  string    `json:"lastResponse,omitempty"`
	LastError     string    `json:"lastError,omitempty"`
	LastAttemptAt time.Time `json:"lastAttemptAt,omitzero"`
	NextAttemptAt time.Time `json:"nextAttemptAt,omitzero"`
	CreatedAt     time.Time `json:"createdAt"`
	// EnqueuedAt is when the delivery last entered the queue.
	EnqueuedAt time.Time `json:"enqueuedAt"`
}

// deliveryRecord is a delivery with the body every attempt sends.
type deliveryRecord struct {
	Delivery
	Payload json.RawMessage `json:"payload"`
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// deliveryID is the delivery of an event to an endpoint: the same for both whoever computes it.
func deliveryID(eventID, endpointID string) string {
	sum := sha256.Sum256([]byte(eventID + "|" + endpointID))
	return "msg_" + strings.ToLower(b32.EncodeToString(sum[:16]))
}

// Fanout makes one delivery of ev for every endpoint that wants it and queues it; an event
// fanned out again (a worker died before it acknowledged the event) makes no second delivery.
// It returns how many deliveries it made.
func (w *Webhooks) Fanout(ctx context.Context, ev events.Event) (int, error) {
	recs, err := w.all(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, r := range recs {
		if !r.Wants(ev) {
			continue
		}
		made, err := w.enqueueNew(ctx, r.ID, ev)
		if err != nil {
			errs = append(errs, err)
		}
		if made {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// SendTest queues a webhook.test event for one endpoint, whatever its filters.
func (w *Webhooks) SendTest(ctx context.Context, endpointID string) (Delivery, error) {
	if _, _, err := w.load(ctx, endpointID); err != nil {
		return Delivery{}, fmt.Errorf("webhooks: test endpoint %q: %w", endpointID, err)
	}
	ev := events.Event{ID: events.NewID(), Type: events.Test, Time: w.now()}
	if _, err := w.enqueueNew(ctx, endpointID, ev); err != nil {
		return Delivery{}, fmt.Errorf("webhooks: test endpoint %q: %w", endpointID, err)
	}
	return w.Delivery(ctx, endpointID, deliveryID(ev.ID, endpointID))
}

func (w *Webhooks) enqueueNew(ctx context.Context, endpointID string, ev events.Event) (bool, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return false, err
	}
	now := w.now()
	d := deliveryRecord{Delivery: Delivery{
		ID: deliveryID(ev.ID, endpointID), EndpointID: endpointID, EventID: ev.ID, EventType: ev.Type,
		Status: StatusPending, CreatedAt: now, EnqueuedAt: now,
	}, Payload: payload}
	data, err := json.Marshal(d)
	if err != nil {
		return false, err
	}
	if _, err := w.st.Create(ctx, w.keys.WebhookDelivery(d.ID), data, w.opts.Retention); errors.Is(err, store.ErrConflict) {
		// The event was fanned out before, by a worker that may have died between recording the
		// delivery and queuing it: queue it again while it has had no attempt (at least once;
		// an entry for a delivery no longer pending is dropped by Attempt).
		cur, _, lerr := w.loadDelivery(ctx, d.ID)
		if lerr == nil && cur.Status == StatusPending && cur.Attempts == 0 {
			return false, w.push(ctx, d.ID)
		}
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("webhooks: record delivery: %w", err)
	}
	c := w.st.Client()
	list := w.keys.WebhookDeliveries(endpointID)
	if err := c.ZAdd(ctx, list, redis.Z{Score: float64(now.UnixMilli()), Member: d.ID}).Err(); err != nil {
		return true, fmt.Errorf("webhooks: list delivery: %w", err)
	}
	c.ZRemRangeByScore(ctx, list, "-inf", fmt.Sprint(now.Add(-w.opts.Retention).UnixMilli()))
	return true, w.push(ctx, d.ID)
}

// Delivery returns one delivery of an endpoint.
func (w *Webhooks) Delivery(ctx context.Context, endpointID, id string) (Delivery, error) {
	d, _, err := w.loadDelivery(ctx, id)
	if err == nil && d.EndpointID != endpointID {
		err = ErrDeliveryNotFound
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("webhooks: delivery %q: %w", id, err)
	}
	return d.Delivery, nil
}

func (w *Webhooks) loadDelivery(ctx context.Context, id string) (*deliveryRecord, int64, error) {
	rec, err := w.st.Get(ctx, w.keys.WebhookDelivery(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, ErrDeliveryNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	var d deliveryRecord
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return nil, 0, fmt.Errorf("decode delivery: %w", err)
	}
	return &d, rec.Rev, nil
}

func (w *Webhooks) saveDelivery(ctx context.Context, d *deliveryRecord, rev int64) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = w.st.Put(ctx, w.keys.WebhookDelivery(d.ID), rev, data, w.opts.Retention)
	return err
}

// Deliveries returns an endpoint's latest deliveries, newest first (at most limit, 1 to 100).
func (w *Webhooks) Deliveries(ctx context.Context, endpointID string, limit int) ([]Delivery, error) {
	if _, _, err := w.load(ctx, endpointID); err != nil {
		return nil, fmt.Errorf("webhooks: deliveries of endpoint %q: %w", endpointID, err)
	}
	limit = min(max(limit, 1), 100)
	ids, err := w.st.Client().ZRevRange(ctx, w.keys.WebhookDeliveries(endpointID), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("webhooks: deliveries of endpoint %q: %w", endpointID, err)
	}
	out := make([]Delivery, 0, len(ids))
	for _, id := range ids {
		d, _, err := w.loadDelivery(ctx, id)
		if errors.Is(err, ErrDeliveryNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("webhooks: deliveries of endpoint %q: %w", endpointID, err)
		}
		out = append(out, d.Delivery)
	}
	return out, nil
}

// Retry queues a delivery again now, whatever its status; its attempts start over.
func (w *Webhooks) Retry(ctx context.Context, endpointID, id string) (Delivery, error) {
	for try := 0; ; try++ {
		d, rev, err := w.loadDelivery(ctx, id)
		if err == nil && d.EndpointID != endpointID {
			err = ErrDeliveryNotFound
		}
		if err != nil {
			return Delivery{}, fmt.Errorf("webhooks: retry delivery %q: %w", id, err)
		}
		d.Status, d.Attempts, d.NextAttemptAt, d.EnqueuedAt = StatusPending, 0, time.Time{}, w.now()
		err = w.saveDelivery(ctx, d, rev)
		if errors.Is(err, store.ErrConflict) && try < 4 {
			continue
		}
		if err != nil {
			return Delivery{}, fmt.Errorf("webhooks: retry delivery %q: %w", id, err)
		}
		_ = w.retry.Remove(ctx, id)
		return d.Delivery, w.push(ctx, id)
	}
}
