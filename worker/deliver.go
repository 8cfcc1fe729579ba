package worker

import (
	"context"
	"sync"
	"time"

	"github.com/outflowhq/outflow/outbound/webhooks"
)

// deliveryBlock is how long one read of the delivery queue waits for a job, at most. go-redis
// cannot abandon a blocking read when its context ends, so this is also how long a stopping
// worker can take to notice; an idle worker reads ten times a second, as its event loop does.
const deliveryBlock = 100 * time.Millisecond

// deliveryLoop reads queued deliveries (new ones, and ones a stopped worker left pending past
// the visibility timeout) and attempts them, Concurrency at a time. When ctx ends it finishes
// the attempts in hand and stops reading.
func (w *Worker) deliveryLoop(ctx context.Context) {
	wh := w.cfg.Webhooks
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	var lastReclaim time.Time
	for ctx.Err() == nil {
		var jobs []webhooks.Job
		var err error
		if time.Since(lastReclaim) >= w.cfg.VisibilityTimeout/4 {
			lastReclaim = time.Now()
			jobs, err = wh.Reclaim(ctx, w.cfg.Name, w.cfg.VisibilityTimeout, w.cfg.Concurrency)
		}
		if len(jobs) == 0 && err == nil {
			jobs, err = wh.Next(ctx, w.cfg.Name, w.cfg.Concurrency, min(deliveryBlock, w.cfg.VisibilityTimeout/4))
		}
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("worker: read deliveries", "error", err)
				sleep(ctx, w.cfg.Poll)
			}
			continue
		}
		for _, j := range jobs {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				w.deliver(context.WithoutCancel(ctx), j)
			})
		}
	}
}

func (w *Worker) deliver(ctx context.Context, j webhooks.Job) {
	wh := w.cfg.Webhooks
	if j.DeliveryID != "" {
		if _, err := wh.Attempt(ctx, j.DeliveryID); err != nil {
			w.log.Warn("worker: delivery attempt", "delivery", j.DeliveryID, "error", err)
			return // left pending: another worker reclaims it after the visibility timeout
		}
	}
	if err := wh.Finish(ctx, j); err != nil {
		w.log.Warn("worker: finish delivery", "delivery", j.DeliveryID, "error", err)
	}
}

// retryLoop moves deliveries whose next attempt is due back into the queue.
func (w *Worker) retryLoop(ctx context.Context) {
	w.tick(ctx, func(ctx context.Context) {
		for ctx.Err() == nil {
			n, err := w.cfg.Webhooks.RequeueDue(ctx, 500)
			if err != nil && ctx.Err() == nil {
				w.log.Warn("worker: requeue retries", "error", err)
			}
			if n < 500 {
				return
			}
		}
	})
}

// expiryLoop publishes execution.expired for executions that expired while waiting.
func (w *Worker) expiryLoop(ctx context.Context) {
	w.tick(ctx, func(ctx context.Context) {
		if _, err := w.cfg.Engine.ExpireDue(ctx, 500); err != nil && ctx.Err() == nil {
			w.log.Warn("worker: expire executions", "error", err)
		}
	})
}
