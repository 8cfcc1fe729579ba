package events_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestShardKeepsAnOwnersEventsTogether(t *testing.T) {
	t.Parallel()
	ann := outbound.Owner{UserID: "ann"}
	first := events.Shard(events.Event{ID: "evt_1", Owner: ann, AppID: "crm", Type: events.ConnectionConnected})
	for i, ev := range []events.Event{
		{ID: "evt_2", Owner: ann, AppID: "mail", Type: events.ConnectionRefreshed},
		{ID: "evt_3", Owner: ann, ExecutionID: "x1", Type: events.ExecutionCompleted},
	} {
		if got := events.Shard(ev); got != first {
			t.Errorf("event %d of the same owner: shard %d, want %d", i, got, first)
		}
	}
	if events.Shard(events.Event{ID: "a", AppID: "crm"}) != events.Shard(events.Event{ID: "b", AppID: "crm"}) {
		t.Error("two events of one app without an owner went to different shards")
	}
	used := map[int]bool{}
	for i := range 1000 {
		s := events.Shard(events.Event{ID: "evt", Owner: outbound.Owner{TenantID: fmt.Sprint("t", i)}})
		if s < 0 || s >= store.EventShards {
			t.Fatalf("shard %d out of range", s)
		}
		used[s] = true
	}
	if len(used) != store.EventShards {
		t.Errorf("1000 owners use %d of %d shards", len(used), store.EventShards)
	}
}

// Publish caps the stream over all its shards near maxLen; Entries reads them all back in order.
func TestPublishCapsTheShardsAndEntriesReadsThemAll(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const n = 1200
		for i := range n {
			if _, err := events.Publish(ctx, st, 80, events.Event{Type: events.AppUpdated, AppID: fmt.Sprint("app-", i)}); err != nil {
				t.Fatal(err)
			}
		}
		ann := outbound.Owner{UserID: "ann"}
		var ids []string
		for i := range 5 {
			ev, err := events.Publish(ctx, st, 0, events.Event{Type: events.ConnectionRefreshed, Owner: ann, Reason: fmt.Sprint(i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ev.ID)
		}
		entries, err := events.Entries(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		// MAXLEN ~ trims whole stream nodes (100 entries by default), so each shard keeps its
		// share of the cap plus up to a node.
		if max := 80 + store.EventShards*100 + 5; len(entries) > max || len(entries) < 80 {
			t.Errorf("%d entries after %d events capped near 80; want 80 to %d", len(entries), n+5, max)
		}
		var got []string
		for _, e := range entries {
			ev, err := events.Decode(e.Fields)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Owner == ann {
				got = append(got, ev.ID)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Errorf("ann's events read back as %v, want %v", got, ids)
		}
	})
}
