package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
)

func TestConnectionLifecycleEvents(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	var (
		mu       sync.Mutex
		recorded []string
	)
	rec := WithEventRecorder(ctx, func(e Event) {
		mu.Lock()
		recorded = append(recorded, e.Type)
		mu.Unlock()
	})
	res := f.connect(t, alice, "")
	f.clock.Advance(58 * time.Minute)
	if _, _, err := f.v.Fetch(rec, FetchRequest{AppID: "crm", Owner: alice}); err != nil {
		t.Fatal(err)
	}
	f.p.setRespond(func(url.Values) (int, any) { return 502, map[string]any{"error": "server_error"} })
	if _, _, err := f.v.Fetch(rec, FetchRequest{AppID: "crm", Owner: alice, ForceRefresh: true}); err == nil {
		t.Fatal("a forced refresh against a failing provider succeeded")
	}
	f.clock.Advance(time.Hour)
	f.p.setRespond(func(url.Values) (int, any) { return 400, map[string]any{"error": "invalid_grant"} })
	if _, _, err := f.v.Fetch(rec, FetchRequest{AppID: "crm", Owner: alice}); err == nil {
		t.Fatal("a refused grant gave a token")
	}
	if _, err := f.v.Disconnect(ctx, DisconnectRequest{ConnectionID: res.ConnectionID}); err != nil {
		t.Fatal(err)
	}

	entries, err := events.Entries(ctx, f.s)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range entries {
		ev, err := events.Decode(e.Fields)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Group() != "connection" {
			continue
		}
		types = append(types, string(ev.Type))
		if ev.AppID != "crm" || ev.ConnectionID != res.ConnectionID || ev.Owner != (outbound.Owner{UserID: "alice"}) ||
			ev.Time.IsZero() || !strings.HasPrefix(ev.ID, "evt_") {
			t.Errorf("event %+v", ev)
		}
	}
	published := []string{
		"connection.connected", "connection.refreshed", "connection.refresh_failed",
		"connection.refresh_failed", "connection.needs_reauth", "connection.disconnected",
	}
	if !slices.Equal(types, published) {
		t.Errorf("stream %v\nwant   %v", types, published)
	}
	want := []string{
		EventConnectionCreated, EventConnectionRefreshed, EventConnectionRefreshFailed,
		EventConnectionRefreshFailed, EventConnectionNeedsReauth, EventConnectionRevoked, EventConnectionDeleted,
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(recorded, want[1:5]) {
		t.Errorf("recorded %v, want the events the recorded calls caused: %v", recorded, want[1:5])
	}
}
