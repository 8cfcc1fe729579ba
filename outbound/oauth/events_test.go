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

	entries, err := f.s.ReadStream(ctx, f.s.Keys().Events(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range entries {
		if strings.HasPrefix(e.Fields["type"], "app.") { // the app's own events
			continue
		}
		types = append(types, e.Fields["type"])
		if e.Fields["appId"] != "crm" || e.Fields["connectionId"] != res.ConnectionID || e.Fields["ownerKind"] != outbound.OwnerUser ||
			e.Fields["ownerId"] != "alice" || e.Fields["at"] == "" {
			t.Errorf("event fields %v", e.Fields)
		}
	}
	want := []string{
		EventConnectionCreated, EventConnectionRefreshed, EventConnectionRefreshFailed,
		EventConnectionRefreshFailed, EventConnectionNeedsReauth, EventConnectionRevoked, EventConnectionDeleted,
	}
	if !slices.Equal(types, want) {
		t.Errorf("stream %v\nwant   %v", types, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(recorded, want[1:5]) {
		t.Errorf("recorded %v, want the events the recorded calls caused: %v", recorded, want[1:5])
	}
}
