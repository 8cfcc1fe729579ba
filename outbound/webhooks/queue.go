package webhooks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// group is the consumer group every worker reads the delivery queue with.
const group = "outflow-deliver"

// Job is a queued delivery a worker read: finish it with Finish once attempted.
type Job struct {
	StreamID   string
	DeliveryID string
}

func (w *Webhooks) push(ctx context.Context, deliveryID string) error {
	err := w.st.Client().XAdd(ctx, &redis.XAddArgs{Stream: w.keys.WebhookQueue(), Values: map[string]any{"d": deliveryID}}).Err()
	if err != nil {
		return fmt.Errorf("webhooks: queue delivery %q: %w", deliveryID, err)
	}
	return nil
}

// EnsureGroup creates the delivery queue's consumer group if it is missing.
func (w *Webhooks) EnsureGroup(ctx context.Context) error {
	err := w.st.Client().XGroupCreateMkStream(ctx, w.keys.WebhookQueue(), group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("webhooks: create the delivery group: %w", err)
	}
	return nil
}

// Next reads up to count new jobs for consumer, waiting up to block for the first.
func (w *Webhooks) Next(ctx context.Context, consumer string, count int, block time.Duration) ([]Job, error) {
	res, err := w.st.Client().XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{w.keys.WebhookQueue(), ">"}, Count: int64(count), Block: block,
	}).Result()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("webhooks: read the delivery queue: %w", err)
	}
	var out []Job
	for _, s := range res {
		out = append(out, jobs(s.Messages)...)
	}
	return out, nil
}

// Reclaim takes over, for consumer, up to count jobs another consumer read but has not finished
// for minIdle (it died, or hangs): XAUTOCLAIM.
func (w *Webhooks) Reclaim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]Job, error) {
	msgs, _, err := w.st.Client().XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: w.keys.WebhookQueue(), Group: group, Consumer: consumer, MinIdle: minIdle, Start: "0-0", Count: int64(count),
	}).Result()
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("webhooks: reclaim deliveries: %w", err)
	}
	return jobs(msgs), nil
}

func jobs(msgs []redis.XMessage) []Job {
	out := make([]Job, 0, len(msgs))
	for _, m := range msgs {
		id, _ := m.Values["d"].(string)
		out = append(out, Job{StreamID: m.ID, DeliveryID: id})
	}
	return out
}

// Finish acknowledges and removes a job from the queue.
func (w *Webhooks) Finish(ctx context.Context, jobs ...Job) error {
	if len(jobs) == 0 {
		return nil
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.StreamID
	}
	q := w.keys.WebhookQueue()
	_, err := w.st.Client().TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, q, group, ids...)
		p.XDel(ctx, q, ids...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("webhooks: finish deliveries: %w", err)
	}
	return nil
}

// RequeueDue moves up to max deliveries whose retry is due into the queue. The move is leased,
// so one worker moves each; a worker that dies mid-move leaves it to another.
func (w *Webhooks) RequeueDue(ctx context.Context, max int) (int, error) {
	claims, err := w.retry.Claim(ctx, w.now(), 30*time.Second, max)
	n := 0
	for _, c := range claims {
		if perr := w.push(ctx, c.Member); perr != nil {
			_, _ = w.retry.Release(ctx, c)
			return n, perr
		}
		_, _ = w.retry.Done(ctx, c, time.Time{})
		n++
	}
	return n, err
}
