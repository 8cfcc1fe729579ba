package events

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// DefaultMaxLen is the approximate cap of the event stream (all its shards together) when a
// producer sets none.
const DefaultMaxLen = 10000

// field is the stream entry field that holds the event's JSON.
const field = "event"

// Publish appends ev to its shard of the event stream of st (see Shard), capped near maxLen
// entries over all shards (0 means DefaultMaxLen). It fills in the id, the time and the actor
// (from ctx, see outbound.WithActor) when they are empty, and returns the event as published.
func Publish(ctx context.Context, st *store.Store, maxLen int64, ev Event) (Event, error) {
	if ev.ID == "" {
		ev.ID = NewID()
	}
	if ev.Actor == "" {
		ev.Actor = outbound.ActorOf(ctx)
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	ev.Time = ev.Time.UTC()
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return ev, fmt.Errorf("events: encode %s: %w", ev.Type, err)
	}
	perShard := (maxLen + store.EventShards - 1) / store.EventShards
	stream := st.Keys().EventStream(Shard(ev))
	if _, err := st.Publish(ctx, stream, perShard, map[string]string{field: string(data), "type": string(ev.Type)}); err != nil {
		return ev, fmt.Errorf("events: publish %s: %w", ev.Type, err)
	}
	return ev, nil
}

// Shard is the shard of the event stream ev goes to (0 <= Shard < store.EventShards): by its
// owner, else its app, else its execution, else its id. The events of one owner (or one app)
// thus stay in order in one stream, while different owners spread over every shard.
func Shard(ev Event) int {
	var key string
	switch {
	case !ev.Owner.IsZero():
		key = "o:" + ev.Owner.Kind() + ":" + ev.Owner.ID()
	case ev.AppID != "":
		key = "a:" + ev.AppID
	case ev.ExecutionID != "":
		key = "x:" + ev.ExecutionID
	default:
		key = "e:" + ev.ID
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % store.EventShards)
}

// Entries returns every entry of every shard of the event stream of st, oldest first by entry
// id. It is for inspecting the stream (tests, tools); the worker reads the shards with a
// consumer group.
func Entries(ctx context.Context, st *store.Store) ([]store.StreamEntry, error) {
	var all []store.StreamEntry
	for _, stream := range st.Keys().EventStreams() {
		entries, err := st.ReadStream(ctx, stream, "", 0)
		if err != nil {
			return nil, fmt.Errorf("events: read: %w", err)
		}
		all = append(all, entries...)
	}
	slices.SortStableFunc(all, func(a, b store.StreamEntry) int { return compareIDs(a.ID, b.ID) })
	return all, nil
}

// compareIDs orders stream entry ids ("MS-SEQ") by time, then sequence.
func compareIDs(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	num := func(s string) uint64 { n, _ := strconv.ParseUint(s, 10, 64); return n }
	return cmp.Or(cmp.Compare(num(am), num(bm)), cmp.Compare(num(as), num(bs)))
}

// Decode reads the event of a stream entry written by Publish.
func Decode(fields map[string]string) (Event, error) {
	raw, ok := fields[field]
	if !ok {
		return Event{}, fmt.Errorf("events: the stream entry has no %q field", field)
	}
	var ev Event
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		return Event{}, fmt.Errorf("events: decode: %w", err)
	}
	return ev, nil
}
