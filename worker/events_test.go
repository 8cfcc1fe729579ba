package worker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

// seen counts, per event id, how often an OnEvent handler got it.
type seen struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *seen) handler(_ context.Context, ev events.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[ev.ID]++
	return nil
}

func (s *seen) count() (ids, calls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.n {
		calls += c
	}
	return len(s.n), calls
}

// publishSpread publishes n events for n owners and fails the test unless every shard got some.
func publishSpread(t *testing.T, st *store.Store, n int) {
	t.Helper()
	shards := map[int]bool{}
	for i := range n {
		ev, err := events.Publish(context.Background(), st, 0, events.Event{Type: events.ConnectionRefreshed,
			Owner: outbound.Owner{UserID: fmt.Sprintf("user-%d", i)}, AppID: "crm"})
		if err != nil {
			t.Fatal(err)
		}
		shards[events.Shard(ev)] = true
	}
	if len(shards) != store.EventShards {
		t.Fatalf("%d owners' events went to %d of %d shards", n, len(shards), store.EventShards)
	}
}

func groupsReady(ctx context.Context, st *store.Store) bool {
	for _, s := range st.Keys().EventStreams() {
		if g, err := st.Client().XInfoGroups(ctx, s).Result(); err != nil || len(g) == 0 {
			return false
		}
	}
	return true
}

// Three workers share the event stream's shards: every event of every shard is handed to
// OnEvent, once.
func TestWorkersHandleEveryShardOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		f := setup(t, st)
		s := &seen{n: map[string]int{}}
		var ws []*worker.Worker
		for range 3 {
			ws = append(ws, f.worker(t, worker.Config{OnEvent: []worker.Handler{s.handler}}))
		}
		run(t, ws...)
		eventually(t, 10*time.Second, "the workers create the group on every shard", func() bool { return groupsReady(context.Background(), st) })
		const n = 200
		publishSpread(t, st, n)
		eventually(t, 20*time.Second, "every event handled", func() bool { ids, _ := s.count(); return ids == n })
		time.Sleep(100 * time.Millisecond) // a second handling would show by now
		if _, calls := s.count(); calls != n {
			t.Errorf("%d events handled %d times", n, calls)
		}
	})
}

// Events a worker read from every shard and never acknowledged (it died) are taken over by
// another worker once the visibility timeout passes.
func TestAWorkerTakesOverEventsLeftPendingOnEveryShard(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		c := st.Client()
		for _, s := range st.Keys().EventStreams() {
			if err := c.XGroupCreateMkStream(ctx, s, "outflow-worker", "$").Err(); err != nil {
				t.Fatal(err)
			}
		}
		const n = 40
		publishSpread(t, st, n)
		pending := 0
		for _, s := range st.Keys().EventStreams() {
			res, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "outflow-worker", Consumer: "dead",
				Streams: []string{s, ">"}, Count: 100, Block: -1}).Result()
			if err != nil {
				t.Fatalf("read %s as the dead worker: %v", s, err)
			}
			pending += len(res[0].Messages)
		}
		if pending != n {
			t.Fatalf("the dead worker holds %d events, want %d", pending, n)
		}
		s := &seen{n: map[string]int{}}
		run(t, f.worker(t, worker.Config{OnEvent: []worker.Handler{s.handler}, VisibilityTimeout: 300 * time.Millisecond}))
		eventually(t, 20*time.Second, "every pending event taken over", func() bool { ids, _ := s.count(); return ids == n })
		eventually(t, 10*time.Second, "nothing left pending", func() bool {
			for _, s := range st.Keys().EventStreams() {
				if p, err := c.XPending(ctx, s, "outflow-worker").Result(); err != nil || p.Count != 0 {
					return false
				}
			}
			return true
		})
	})
}
