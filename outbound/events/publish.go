package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// DefaultMaxLen is the approximate cap of the event stream when a producer sets none.
const DefaultMaxLen = 10000

// field is the stream entry field that holds the event's JSON.
const field = "event"

// Publish appends ev to the event stream of st (Keys.Events()), capped near maxLen entries
// (0 means DefaultMaxLen). It fills in the id, the time and the actor (from ctx, see outbound.WithActor) when they are empty, and returns the
// event as published.
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
	if _, err := st.Publish(ctx, st.Keys().Events(), maxLen, map[string]string{field: string(data), "type": string(ev.Type)}); err != nil {
		return ev, fmt.Errorf("events: publish %s: %w", ev.Type, err)
	}
	return ev, nil
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
