package worker

import "context"

// timeoutLoop times out the waits whose timeout has come, so that their executions move on
// without anybody reading them (engine.TimeoutDue; each wait once across every worker).
func (w *Worker) timeoutLoop(ctx context.Context) {
	w.tick(ctx, func(ctx context.Context) {
		for ctx.Err() == nil {
			n, err := w.cfg.Engine.TimeoutDue(ctx, 100)
			if err != nil && ctx.Err() == nil {
				w.log.Warn("worker: time out waits", "error", err)
			}
			if n < 100 || err != nil {
				return
			}
		}
	})
}
