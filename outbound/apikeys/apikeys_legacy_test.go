package apikeys_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// inlinePrevious moves o's previous "openai" key back into the record, as records held it
// before previous keys had a Redis key of their own, and returns its sealed value.
func (e *keysEnv) inlinePrevious(t *testing.T, o outbound.Owner) string {
	t.Helper()
	ctx := context.Background()
	k := e.store.Keys()
	c := e.store.Client()
	recKey, prevKey := k.APIKeys(o.Kind(), o.ID(), "openai"), k.APIKeyPrevious(o.Kind(), o.ID(), "openai")
	prev, err := c.Get(ctx, prevKey).Result()
	if err != nil {
		t.Fatalf("read the previous key: %v", err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(e.recordData(t, o)), &rec); err != nil {
		t.Fatal(err)
	}
	rec["previous"] = json.RawMessage(prev)
	data, _ := json.Marshal(rec)
	if err := c.HSet(ctx, recKey, "data", data).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Del(ctx, prevKey).Err(); err != nil {
		t.Fatal(err)
	}
	var p struct {
		Sealed string `json:"sealed"`
	}
	_ = json.Unmarshal([]byte(prev), &p)
	return p.Sealed
}

// assertMigrated checks that o's record holds no previous key and that the previous key sits
// beside it with about left of its window.
func (e *keysEnv) assertMigrated(t *testing.T, o outbound.Owner, sealed string, left time.Duration) {
	t.Helper()
	if data := e.recordData(t, o); strings.Contains(data, `"previous"`) {
		t.Errorf("the record still holds its previous key: %s", data)
	}
	if _, ttl, ok := e.storedPrevious(t, o); !ok || ttl <= left-time.Minute || ttl > left+time.Second {
		t.Errorf("previous key stored %v with TTL %v, want what is left of its window, %v", ok, ttl, left)
	}
	prevKey := e.store.Keys().APIKeyPrevious(o.Kind(), o.ID(), "openai")
	if hits := storetest.Find(t, e.store, sealed); len(hits) != 1 || hits[0] != prevKey {
		t.Errorf("the previous key is stored in %v, want only %s", hits, prevKey)
	}
}

func TestAPIKeyRecordsWithAnInlinePreviousKeyStillReadAndMoveOut(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil) // overlap: 1h
		bob := outbound.Owner{UserID: "bob"}
		owners := []outbound.Owner{ann, acme, bob}
		for _, o := range owners {
			e.put(t, o, goodKey, false)
		}
		rotatedAt := e.clock.Now()
		sealed := map[string]string{}
		for _, o := range owners {
			e.put(t, o, otherKey, false)
			sealed[o.ID()] = e.inlinePrevious(t, o)
		}
		e.clock.Advance(30 * time.Minute)

		// Read as before.
		for _, o := range owners {
			got := e.fetch(t, o)
			if got.APIKey.Reveal() != otherKey || got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey ||
				!got.Previous.ExpiresAt.Equal(rotatedAt.Add(time.Hour)) {
				t.Fatalf("%s: version %d, previous %+v", o.ID(), got.Version, got.Previous)
			}
			if info, _, _ := e.keys.Check(ctx, o, "openai"); !info.HasPrevious {
				t.Errorf("%s: check = %+v", o.ID(), info)
			}
		}

		// A write moves the previous key out, with what is left of its window.
		if info := e.put(t, ann, otherKey, false); info.Version != 3 || !info.HasPrevious {
			t.Errorf("re-put: %+v", info)
		}
		e.assertMigrated(t, ann, sealed[ann.ID()], 30*time.Minute)
		if got := e.fetch(t, ann); got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey {
			t.Errorf("after the write: previous %+v", got.Previous)
		}

		// So does a reseal, with nothing to seal again.
		rep, err := e.keys.Reseal(ctx)
		if err != nil || rep.Scanned != 3 || rep.Resealed != 0 || rep.Failed != 0 {
			t.Fatalf("reseal: %+v, %v", rep, err)
		}
		e.assertMigrated(t, acme, sealed[acme.ID()], 30*time.Minute)
		if got := e.fetch(t, acme); got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey {
			t.Errorf("after the reseal: previous %+v", got.Previous)
		}
	})
}

func TestAPIKeyInlinePreviousKeyPastItsWindowIsDroppedOnWrite(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)
		e.put(t, ann, goodKey, false)
		e.put(t, ann, otherKey, false)
		sealed := e.inlinePrevious(t, ann)
		e.clock.Advance(time.Hour)
		if got := e.fetch(t, ann); got.Previous != nil {
			t.Fatalf("past the window: previous version %d served", got.Previous.Version)
		}
		e.put(t, ann, otherKey, false)
		if _, _, ok := e.storedPrevious(t, ann); ok {
			t.Error("an expired previous key was moved out instead of dropped")
		}
		e.gone(t, sealed, goodKey)
	})
}
