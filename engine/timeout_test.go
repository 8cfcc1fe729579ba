package engine_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// timers returns a bundle on s whose engine publishes events, with the approval flow loaded.
func timers(t *testing.T, s *store.Store) *bundle {
	t.Helper()
	b := setup(t, s)
	b.engine = b.publishing(t, b.clock)
	b.add(t, b.engine, "approval.yaml", approval)
	return b
}

// publishing returns another engine instance on the bundle's store that publishes events, on clk.
func (b *bundle) publishing(t *testing.T, clk clock.Clock) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Options{Store: b.store, Registry: b.reg, Clock: clk, PublishEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func scheduledWaits(t *testing.T, s *store.Store) int64 {
	t.Helper()
	n, err := s.Schedule(engine.WaitSchedule).Len(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// published counts the events of typ on the event stream for execution id.
func published(t *testing.T, s *store.Store, typ events.Type, id string) int {
	t.Helper()
	entries, err := events.Entries(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range entries {
		if ev, err := events.Decode(m.Fields); err == nil && ev.Type == typ && ev.ExecutionID == id {
			n++
		}
	}
	return n
}

// completions counts how often an execution's own log says it completed.
func completions(t *testing.T, e *engine.Engine, id string) int {
	t.Helper()
	evs, err := e.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Type == engine.EventCompleted {
			n++
		}
	}
	return n
}

func TestTimeoutDueFiresAWaitWithoutARead(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := timers(t, s)
		ctx := context.Background()
		r := mustStart(t, b.engine, "approval", map[string]any{"what": "the key"})
		if n := scheduledWaits(t, s); n != 1 {
			t.Fatalf("%d waits scheduled, want 1", n)
		}
		b.clock.Advance(47 * time.Hour)
		if n, err := b.engine.TimeoutDue(ctx, 10); err != nil || n != 0 {
			t.Fatalf("before the timeout: %d, %v", n, err)
		}
		b.clock.Advance(2 * time.Hour)
		if n, err := b.publishing(t, b.clock).TimeoutDue(ctx, 10); err != nil || n != 1 {
			t.Fatalf("after the timeout: timed out %d, %v; want 1", n, err)
		}
		// Nothing read the execution: its log and the event stream say it moved on by itself.
		if completions(t, b.engine, r.ExecutionID) != 1 || published(t, s, events.ExecutionCompleted, r.ExecutionID) != 1 {
			t.Fatal("the timed-out execution did not complete once, or did not publish execution.completed")
		}
		if n := scheduledWaits(t, s); n != 0 {
			t.Fatalf("%d waits still scheduled", n)
		}
		got, err := b.engine.Get(ctx, r.ExecutionID)
		if err != nil || got.Status != engine.StatusCompleted || got.Output["timedOut"] != true {
			t.Fatalf("got %+v, %v; want completed through the timeout", got, err)
		}
	})
}

func TestTimeoutDueFiresEachWaitOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := timers(t, s)
		const waits = 30
		ids := make([]string, waits)
		for i := range ids {
			ids[i] = mustStart(t, b.engine, "approval", map[string]any{"what": "the key"}).ExecutionID
		}
		b.clock.Advance(49 * time.Hour)
		var fired atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			e := b.publishing(t, b.clock)
			wg.Go(func() {
				for range 5 {
					n, err := e.TimeoutDue(context.Background(), 7)
					if err != nil {
						t.Error(err)
					}
					fired.Add(int64(n))
				}
			})
		}
		wg.Wait()
		if fired.Load() != waits {
			t.Fatalf("timed out %d waits, want %d", fired.Load(), waits)
		}
		for _, id := range ids {
			if n := completions(t, b.engine, id); n != 1 {
				t.Errorf("execution %s completed %d times", id, n)
			}
			if n := published(t, s, events.ExecutionCompleted, id); n != 1 {
				t.Errorf("execution %s published execution.completed %d times", id, n)
			}
		}
	})
}

func TestASignalRacingTheTimeoutOneWins(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := timers(t, s)
		ctx := context.Background()
		const waits = 20
		type wait struct{ id, token string }
		ws := make([]wait, waits)
		for i := range ws {
			r := mustStart(t, b.engine, "approval", map[string]any{"what": "the key"})
			tok, err := b.engine.WaitToken(ctx, r.ExecutionID)
			if err != nil {
				t.Fatal(err)
			}
			ws[i] = wait{r.ExecutionID, tok}
		}
		// The instance answering signals sees the wait still open; the one running the timer sees
		// it due (clocks of instances differ): both try to move each execution at once.
		b.clock.Advance(47 * time.Hour)
		timer := b.publishing(t, clock.NewFake(epoch.Add(49*time.Hour)))
		var signalled, timedOut atomic.Int64
		var wg sync.WaitGroup
		first := make(chan struct{})
		var once sync.Once
		wg.Go(func() {
			defer once.Do(func() { close(first) })
			for range waits {
				n, err := timer.TimeoutDue(ctx, 1)
				if err != nil {
					t.Error(err)
				}
				if timedOut.Add(int64(n)) > 0 {
					once.Do(func() { close(first) })
				}
			}
		})
		signaller := b.publishing(t, b.clock)
		for _, w := range ws {
			wg.Go(func() {
				<-first // the timer is under way: the signals race the rest of it
				_, err := signaller.Signal(ctx, w.id, engine.SignalRequest{Token: w.token, Payload: map[string]any{"approved": true, "note": "just in time"}})
				switch {
				case err == nil:
					signalled.Add(1)
				case !isConflict(err):
					t.Errorf("signal: %v", err)
				}
			})
		}
		wg.Wait()
		byTimeout := int64(0)
		for _, w := range ws {
			got, err := b.engine.Get(ctx, w.id)
			if err != nil || got.Status != engine.StatusCompleted {
				t.Fatalf("execution %s: %+v, %v", w.id, got, err)
			}
			if completions(t, b.engine, w.id) != 1 || published(t, s, events.ExecutionCompleted, w.id) != 1 {
				t.Errorf("execution %s did not complete exactly once", w.id)
			}
			if got.Output["timedOut"] == true {
				byTimeout++
			} else if got.Output["approved"] != true {
				t.Errorf("execution %s: output %v", w.id, got.Output)
			}
		}
		if signalled.Load()+timedOut.Load() != waits || timedOut.Load() != byTimeout {
			t.Fatalf("%d signals and %d timer firings won, %d executions timed out; want one winner each", signalled.Load(), timedOut.Load(), byTimeout)
		}
		if timedOut.Load() == 0 {
			t.Fatal("the timer never won")
		}
		t.Logf("%d signals won, %d timers won", signalled.Load(), timedOut.Load())
		if n := scheduledWaits(t, s); n != 0 {
			t.Fatalf("%d waits still scheduled", n)
		}
	})
}

func TestASignalBeforeTheTimeoutWins(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := timers(t, s)
		ctx := context.Background()
		r := mustStart(t, b.engine, "approval", map[string]any{"what": "the key"})
		tok, _ := b.engine.WaitToken(ctx, r.ExecutionID)
		b.clock.Advance(time.Hour)
		var wg sync.WaitGroup
		var sigErr error
		wg.Go(func() {
			_, sigErr = b.publishing(t, b.clock).Signal(ctx, r.ExecutionID, engine.SignalRequest{Token: tok, Payload: map[string]any{"approved": false, "note": ""}})
		})
		wg.Go(func() {
			if n, err := b.publishing(t, b.clock).TimeoutDue(ctx, 10); err != nil || n != 0 {
				t.Errorf("a wait not due timed out: %d, %v", n, err)
			}
		})
		wg.Wait()
		if sigErr != nil {
			t.Fatal(sigErr)
		}
		// The answered wait left the schedule at once; its time passing changes nothing.
		if n := scheduledWaits(t, s); n != 0 {
			t.Fatalf("%d waits still scheduled after the signal", n)
		}
		b.clock.Advance(48 * time.Hour)
		if n, err := b.engine.TimeoutDue(ctx, 10); err != nil || n != 0 {
			t.Fatalf("an answered wait timed out: %d, %v", n, err)
		}
		if got, _ := b.engine.Get(ctx, r.ExecutionID); got.Output["approved"] != false || got.Output["timedOut"] != nil {
			t.Fatalf("output %v, want the signal's", got.Output)
		}
	})
}

func TestTheWaitScheduleDropsGoneAndFinishedExecutions(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := timers(t, s)
		ctx := context.Background()
		gone := mustStart(t, b.engine, "approval", map[string]any{"what": "a"})
		read := mustStart(t, b.engine, "approval", map[string]any{"what": "b"})
		if err := s.Delete(ctx, s.Keys().Execution(gone.ExecutionID), s.Keys().ExecutionEvents(gone.ExecutionID)); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(49 * time.Hour)
		// A read times a wait out before any worker does; the read leaves the schedule.
		if got, err := b.engine.Get(ctx, read.ExecutionID); err != nil || got.Output["timedOut"] != true {
			t.Fatalf("read after the timeout: %+v, %v", got, err)
		}
		if n := scheduledWaits(t, s); n != 1 {
			t.Fatalf("%d waits scheduled, want only the removed execution's", n)
		}
		if n, err := b.engine.TimeoutDue(ctx, 10); err != nil || n != 0 {
			t.Fatalf("timed out %d, %v; want none", n, err)
		}
		if n := scheduledWaits(t, s); n != 0 {
			t.Fatalf("%d waits still scheduled", n)
		}
		if n := published(t, s, events.ExecutionCompleted, read.ExecutionID); n != 1 {
			t.Fatalf("the read execution published execution.completed %d times", n)
		}
	})
}

func TestTimeoutDueFiresAWaitInsideASubflow(t *testing.T) {
	t.Parallel()
	b := timers(t, storetest.New(t))
	b.add(t, b.engine, "parent.yaml", `
id: parent
steps:
  ask:
    action: flow
    with: {flow: approval, input: {what: "the key"}}
    on: {"yes": done, "no": done, expired: late}
  done:
    end: {output: {late: false}}
  late:
    end: {output: {late: true}}
`)
	ctx := context.Background()
	r := mustStart(t, b.engine, "parent", nil)
	if r.Action != engine.ActionWait || r.StepID != "ask/approve" {
		t.Fatalf("got %+v, want the sub-flow's wait", r)
	}
	b.clock.Advance(49 * time.Hour)
	if n, err := b.engine.TimeoutDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("timed out %d, %v; want 1", n, err)
	}
	if published(t, b.store, events.ExecutionCompleted, r.ExecutionID) != 1 {
		t.Fatal("the parent did not complete through the sub-flow's timeout")
	}
	if got, _ := b.engine.Get(ctx, r.ExecutionID); got.Output["late"] != true {
		t.Fatalf("output %v, want the parent's timeout branch", got.Output)
	}
}
