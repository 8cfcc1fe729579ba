package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// twoScreens pauses at a screen and ends on the next press; retention sets its own finished
// retention when not empty.
func twoScreens(id, retention string) string {
	src := "id: " + id + "\n"
	if retention != "" {
		src += "finishedRetention: " + retention + "\n"
	}
	return src + `ttl: 30m
steps:
  ask:
    screen:
      fields: [{name: name, label: Name}]
      buttons: [{id: go}]
    next: done
  done:
    end:
      title: Thanks
`
}

// ttls returns the TTLs of an execution's record and events.
func ttls(t *testing.T, s *store.Store, id string) (rec, events time.Duration) {
	t.Helper()
	ctx := context.Background()
	c := s.Client()
	rec, err := c.PTTL(ctx, s.Keys().Execution(id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	events, err = c.PTTL(ctx, s.Keys().ExecutionEvents(id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return rec, events
}

func within(got, want time.Duration) bool { return got <= want && got > want-5*time.Second }

func TestFinishedExecutionsKeepTheirOwnRetention(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		b := setup(t, s)
		b.add(t, b.engine, "default.yaml", twoScreens("default", ""))
		b.add(t, b.engine, "long.yaml", twoScreens("long", "2h"))

		paused := mustStart(t, b.engine, "default", nil)
		if rec, _ := ttls(t, s, paused.ExecutionID); !within(rec, 90*time.Minute) {
			t.Fatalf("a paused execution is kept %v, want its ttl plus the expired retention (1h30m)", rec)
		}
		for flow, want := range map[string]time.Duration{"default": 10 * time.Minute, "long": 2 * time.Hour} {
			r := mustNext(t, b.engine, mustStart(t, b.engine, flow, nil), "go", map[string]any{"name": "Ada"})
			if r.Status != engine.StatusCompleted {
				t.Fatalf("%s: status %s", flow, r.Status)
			}
			if rec, ev := ttls(t, s, r.ExecutionID); !within(rec, want) || !within(ev, want) {
				t.Errorf("%s: a finished execution is kept %v (events %v), want %v", flow, rec, ev, want)
			}
		}
	})
}

func TestFinishedRetentionOption(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	e, err := engine.New(engine.Options{Store: b.store, Registry: b.reg, Clock: b.clock, FinishedRetention: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	b.add(t, e, "default.yaml", twoScreens("default", ""))
	b.add(t, e, "long.yaml", twoScreens("long", "2h"))
	for flow, want := range map[string]time.Duration{"default": 3 * time.Minute, "long": 2 * time.Hour} {
		r := mustNext(t, e, mustStart(t, e, flow, nil), "go", nil)
		if rec, _ := ttls(t, b.store, r.ExecutionID); !within(rec, want) {
			t.Errorf("%s: kept %v, want %v (the flow's setting wins over the engine's)", flow, rec, want)
		}
	}
}

// On a Redis whose clock the test moves: a finished execution is gone once its retention has
// passed, while one still paused is kept.
func TestFinishedExecutionGoneAfterRetention(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	s, err := store.NewFromClient(redis.NewClient(&redis.Options{Addr: mr.Addr()}), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	b := setup(t, s)
	b.add(t, b.engine, "default.yaml", twoScreens("default", ""))
	ctx := context.Background()

	paused := mustStart(t, b.engine, "default", nil)
	done := mustNext(t, b.engine, mustStart(t, b.engine, "default", nil), "go", nil)
	mr.FastForward(10*time.Minute - time.Second)
	if _, err := b.engine.Get(ctx, done.ExecutionID); err != nil {
		t.Fatalf("within its retention the finished execution must be readable: %v", err)
	}
	mr.FastForward(2 * time.Second)
	if _, err := b.engine.Get(ctx, done.ExecutionID); !errors.Is(err, engine.ErrExecutionNotFound) {
		t.Fatalf("after its retention: err = %v, want not found", err)
	}
	if n, _ := s.Client().Exists(ctx, s.Keys().ExecutionEvents(done.ExecutionID)).Result(); n != 0 {
		t.Error("the finished execution's events outlived it")
	}
	if r, err := b.engine.Get(ctx, paused.ExecutionID); err != nil || r.Status != engine.StatusWaiting {
		t.Fatalf("a paused execution must outlive the finished retention: %v %+v", err, r)
	}
}
