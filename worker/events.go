package worker

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/redis/go-redis/v9"
)

// eventGroup is the consumer group every worker reads the event stream with.
const eventGroup = "outflow-worker"

func (w *Worker) ensureGroups(ctx context.Context) error {
	err := w.cfg.Store.Client().XGroupCreateMkStream(ctx, w.keys.Events(), eventGroup, "$").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return errors.Join(errors.New("worker: create the event group"), err)
	}
	if w.cfg.Webhooks != nil {
		return w.cfg.Webhooks.EnsureGroup(ctx)
	}
	return nil
}

// eventLoop reads the event stream with the group, handles each event and acknowledges it; it
// also takes over events another worker read and did not acknowledge within the visibility
// timeout.
func (w *Worker) eventLoop(ctx context.Context) {
	c := w.cfg.Store.Client()
	lastClaim := time.Time{}
	for ctx.Err() == nil {
		var msgs []redis.XMessage
		if time.Since(lastClaim) > w.cfg.VisibilityTimeout/2 {
			lastClaim = time.Now()
			msgs, _, _ = c.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: w.keys.Events(), Group: eventGroup,
				Consumer: w.cfg.Name, MinIdle: w.cfg.VisibilityTimeout, Start: "0-0", Count: 100}).Result()
		}
		if len(msgs) == 0 {
			res, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: eventGroup, Consumer: w.cfg.Name,
				Streams: []string{w.keys.Events(), ">"}, Count: 100, Block: w.cfg.Poll}).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				if ctx.Err() == nil {
					w.log.Warn("worker: read events", "error", err)
					sleep(ctx, w.cfg.Poll)
				}
				continue
			}
			for _, s := range res {
				msgs = append(msgs, s.Messages...)
			}
		}
		for _, m := range msgs {
			w.handleEntry(context.WithoutCancel(ctx), m)
		}
	}
}

func (w *Worker) handleEntry(ctx context.Context, m redis.XMessage) {
	fields := make(map[string]string, len(m.Values))
	for k, v := range m.Values {
		s, _ := v.(string)
		fields[k] = s
	}
	if ev, err := events.Decode(fields); err == nil {
		w.handle(ctx, ev)
	}
	if err := w.cfg.Store.Client().XAck(ctx, w.keys.Events(), eventGroup, m.ID).Err(); err != nil {
		w.log.Warn("worker: acknowledge event", "error", err)
	}
}

// handle hands one event to the host's callbacks and the webhook endpoints, and keeps the
// schedules in step with it.
func (w *Worker) handle(ctx context.Context, ev events.Event) {
	for _, h := range w.cfg.OnEvent {
		if err := safeCall(ctx, h, ev); err != nil {
			w.log.Warn("worker: event handler failed", "type", ev.Type, "event", ev.ID, "error", err)
		}
	}
	if w.cfg.Webhooks != nil {
		if _, err := w.cfg.Webhooks.Fanout(ctx, ev); err != nil {
			w.log.Warn("worker: fan out event", "type", ev.Type, "event", ev.ID, "error", err)
		}
	}
	w.follow(ctx, ev)
}

func safeCall(ctx context.Context, h Handler, ev events.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("the handler panicked")
		}
	}()
	return h(ctx, ev)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
