package worker

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/redis/go-redis/v9"
)

// eventGroup is the consumer group every worker reads the event stream's shards with.
const eventGroup = "outflow-worker"

// eventIdleWait is how long the event loop waits, at most, before it looks at the shards again
// after finding them all empty (Poll, when shorter).
const eventIdleWait = 100 * time.Millisecond

func (w *Worker) ensureGroups(ctx context.Context) error {
	for _, stream := range w.keys.EventStreams() {
		err := w.cfg.Store.Client().XGroupCreateMkStream(ctx, stream, eventGroup, "$").Err()
		if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
			return errors.Join(errors.New("worker: create the event group"), err)
		}
	}
	if w.cfg.Webhooks != nil {
		return w.cfg.Webhooks.EnsureGroup(ctx)
	}
	return nil
}

// shardEntry is an entry read from one shard of the event stream.
type shardEntry struct {
	stream string
	msg    redis.XMessage
}

// eventLoop reads every shard of the event stream with the group, handles each event and
// acknowledges it; it also takes over events another worker read and did not acknowledge within
// the visibility timeout. The shards lie in different Cluster slots, so one command cannot read
// them all: each round reads them in one pipeline (one round trip per node), without blocking,
// and the loop waits a little only when every shard was empty.
func (w *Worker) eventLoop(ctx context.Context) {
	streams := w.keys.EventStreams()
	idle := min(w.cfg.Poll, eventIdleWait)
	lastClaim := time.Time{}
	for ctx.Err() == nil {
		var entries []shardEntry
		var err error
		if time.Since(lastClaim) > w.cfg.VisibilityTimeout/2 {
			lastClaim = time.Now()
			entries, err = w.claimEvents(ctx, streams)
		}
		if len(entries) == 0 && err == nil {
			entries, err = w.readEvents(ctx, streams)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Warn("worker: read events", "error", err)
		}
		for _, e := range entries {
			w.handleEntry(context.WithoutCancel(ctx), e)
		}
		switch {
		case err != nil:
			sleep(ctx, w.cfg.Poll)
		case len(entries) == 0:
			sleep(ctx, idle)
		}
	}
}

// readEvents reads new entries from every shard, up to 100 per shard.
func (w *Worker) readEvents(ctx context.Context, streams []string) ([]shardEntry, error) {
	cmds := make([]*redis.XStreamSliceCmd, len(streams))
	_, _ = w.cfg.Store.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, s := range streams {
			cmds[i] = p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: eventGroup, Consumer: w.cfg.Name,
				Streams: []string{s, ">"}, Count: 100, Block: -1})
		}
		return nil
	})
	var out []shardEntry
	var errs []error
	for i, cmd := range cmds {
		res, err := cmd.Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			errs = append(errs, err)
			continue
		}
		for _, r := range res {
			for _, m := range r.Messages {
				out = append(out, shardEntry{stream: streams[i], msg: m})
			}
		}
	}
	return out, errors.Join(errs...)
}

// claimEvents takes over, from every shard, entries left pending past the visibility timeout.
func (w *Worker) claimEvents(ctx context.Context, streams []string) ([]shardEntry, error) {
	cmds := make([]*redis.XAutoClaimCmd, len(streams))
	_, _ = w.cfg.Store.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, s := range streams {
			cmds[i] = p.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: s, Group: eventGroup,
				Consumer: w.cfg.Name, MinIdle: w.cfg.VisibilityTimeout, Start: "0-0", Count: 100})
		}
		return nil
	})
	var out []shardEntry
	var errs []error
	for i, cmd := range cmds {
		msgs, _, err := cmd.Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			errs = append(errs, err)
			continue
		}
		for _, m := range msgs {
			out = append(out, shardEntry{stream: streams[i], msg: m})
		}
	}
	return out, errors.Join(errs...)
}

func (w *Worker) handleEntry(ctx context.Context, e shardEntry) {
	fields := make(map[string]string, len(e.msg.Values))
	for k, v := range e.msg.Values {
		s, _ := v.(string)
		fields[k] = s
	}
	if ev, err := events.Decode(fields); err == nil {
		w.handle(ctx, ev)
	}
	if err := w.cfg.Store.Client().XAck(ctx, e.stream, eventGroup, e.msg.ID).Err(); err != nil {
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
