package worker_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

const approvalFlow = `
id: approval
steps:
  approve:
    action: wait
    with:
      for: an administrator's approval
      timeout: 1h
      payload: {approved: bool}
    on: {timeout: expired}
    next:
      - when: steps.approve.output.approved
        goto: yes
      - goto: no
  yes:
    end: {output: {approved: true}}
  no:
    end: {output: {approved: false}}
  expired:
    end: {output: {timedOut: true}}
`

// waiting is an engine (publishing events, on a fake clock) with executions paused at a wait.
type waiting struct {
	engine *engine.Engine
	clock  *clock.Fake
	ids    []string
}

func startWaits(t *testing.T, st *store.Store, n int) *waiting {
	t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	e, err := engine.New(engine.Options{Store: st, Registry: reg, Clock: clk, PublishEvents: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	f, err := flows.NewLoader(reg).Load("approval.yaml", []byte(approvalFlow))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.AddFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	wt := &waiting{engine: e, clock: clk}
	for range n {
		r, err := e.Start(ctx, "approval", engine.StartRequest{Subject: actions.Subject{TenantID: "acme"}})
		if err != nil || r.Action != engine.ActionWait {
			t.Fatalf("start: %+v, %v", r, err)
		}
		wt.ids = append(wt.ids, r.ExecutionID)
	}
	return wt
}

// completions counts the execution.completed events handed to OnEvent, per execution.
type completions struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *completions) handler(_ context.Context, ev events.Event) error {
	if ev.Type == events.ExecutionCompleted {
		c.mu.Lock()
		c.n[ev.ExecutionID]++
		c.mu.Unlock()
	}
	return nil
}

func (c *completions) count() (execs, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.n {
		execs++
		total += n
	}
	return execs, total
}

func TestWorkersTimeOutWaitsOnceWithoutARead(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		f := setup(t, st)
		const n = 40
		wt := startWaits(t, st, n)
		got := &completions{n: map[string]int{}}
		ws := make([]*worker.Worker, 3)
		for i := range ws {
			ws[i] = f.worker(t, worker.Config{Engine: wt.engine, OnEvent: []worker.Handler{got.handler}})
		}
		stop := run(t, ws...)
		wt.clock.Advance(2 * time.Hour)
		eventually(t, 30*time.Second, "every wait timed out", func() bool {
			execs, _ := got.count()
			return execs == n
		})
		stop()
		if execs, total := got.count(); execs != n || total != n {
			t.Fatalf("%d executions completed %d times; want %d once each", execs, total, n)
		}
		ctx := context.Background()
		for _, id := range wt.ids {
			evs, err := wt.engine.Events(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			done := 0
			for _, ev := range evs {
				if ev.Type == engine.EventCompleted {
					done++
				}
			}
			if done != 1 {
				t.Errorf("execution %s completed %d times in its log", id, done)
			}
		}
	})
}
