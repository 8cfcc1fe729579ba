package apikeys_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

const thirdKey = "sk-third-abcdefghij0123456789"

// put stores key for o under the app "openai", failing the test on an error.
func (e *keysEnv) put(t *testing.T, o outbound.Owner, key string, noOverlap bool) apikeys.KeyInfo {
	t.Helper()
	info, err := e.keys.Put(context.Background(), apikeys.PutRequest{AppID: "openai", Owner: o, APIKey: outbound.NewSecret(key), NoOverlap: noOverlap})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	return info
}

// fetch fetches o's key for "openai".
func (e *keysEnv) fetch(t *testing.T, o outbound.Owner) *apikeys.FetchedKey {
	t.Helper()
	got, err := e.keys.Fetch(context.Background(), o, "openai")
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	return got
}

// storedPrevious reads, straight from Redis, o's previous key for "openai": its sealed value
// and TTL; ok is false when Redis holds none.
func (e *keysEnv) storedPrevious(t *testing.T, o outbound.Owner) (sealed string, ttl time.Duration, ok bool) {
	t.Helper()
	ctx := context.Background()
	key := e.store.Keys().APIKeyPrevious(o.Kind(), o.ID(), "openai")
	raw, err := e.store.GetValue(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Sealed string `json:"sealed"`
	}
	if err := json.Unmarshal(raw, &p); err != nil || p.Sealed == "" {
		t.Fatalf("previous key %s holds %d bytes that are not a sealed key: %v", key, len(raw), err)
	}
	ttl, err = e.store.TTL(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", 0, false // expired just now
	case err != nil:
		t.Fatal(err)
	}
	return p.Sealed, ttl, true
}

// recordData is o's "openai" record as stored.
func (e *keysEnv) recordData(t *testing.T, o outbound.Owner) string {
	t.Helper()
	r, err := e.store.Get(context.Background(), e.store.Keys().APIKeys(o.Kind(), o.ID(), "openai"))
	if err != nil {
		t.Fatal(err)
	}
	return string(r.Data)
}

// gone fails the test when the sealed value or any of the plaintext keys is anywhere in Redis.
func (e *keysEnv) gone(t *testing.T, sealed string, keys ...string) {
	t.Helper()
	for _, needle := range append([]string{sealed}, keys...) {
		if hits := storetest.Find(t, e.store, needle); len(hits) > 0 {
			t.Errorf("a removed key is still in Redis, in %v", hits)
		}
	}
}

func TestAPIKeyPreviousKeyLeavesRedisByItselfWhenItsWindowEnds(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", func(k *apps.APIKeyPatch) { k.OverlapSeconds = intp(1) })
		e.put(t, acme, goodKey, false)
		e.put(t, acme, otherKey, false)

		sealed, ttl, ok := e.storedPrevious(t, acme)
		if !ok || ttl <= 0 || ttl > 2*time.Second {
			t.Fatalf("previous key stored %v with TTL %v; want it with the 1s window and a short grace", ok, ttl)
		}
		if strings.Contains(e.recordData(t, acme), sealed) {
			t.Error("the record holds the previous key too")
		}
		if got := e.fetch(t, acme); got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey {
			t.Fatalf("within the window: previous %+v", got.Previous)
		}

		// Nobody reads or writes from now on: Redis alone removes the previous key.
		deadline := time.Now().Add(15 * time.Second)
		for _, _, ok := e.storedPrevious(t, acme); ok; _, _, ok = e.storedPrevious(t, acme) {
			if time.Now().After(deadline) {
				t.Fatal("the previous key is still in Redis 15s after its 1s window")
			}
			time.Sleep(50 * time.Millisecond)
		}
		e.gone(t, sealed, goodKey)

		e.clock.Advance(time.Second)
		if got := e.fetch(t, acme); got.APIKey.Reveal() != otherKey || got.Version != 2 || got.Previous != nil {
			t.Errorf("after the window: version %d, previous %+v", got.Version, got.Previous)
		}
		e.noKeyLeaks(t, goodKey, otherKey)
	})
}

func TestAPIKeyOverlapWindowIsKeptByTheClock(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil) // overlap: 1h
		e.put(t, ann, goodKey, false)
		rotatedAt := e.clock.Now()
		e.put(t, ann, otherKey, false)

		e.clock.Advance(time.Hour - time.Nanosecond)
		got := e.fetch(t, ann)
		if got.APIKey.Reveal() != otherKey || got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey ||
			!got.Previous.ExpiresAt.Equal(rotatedAt.Add(time.Hour)) {
			t.Fatalf("at the end of the window: previous %+v", got.Previous)
		}
		// The window is over by the clock while Redis, on its own time, still holds the key:
		// the clock decides.
		e.clock.Advance(time.Nanosecond)
		if got := e.fetch(t, ann); got.Previous != nil {
			t.Errorf("past the window: previous version %d still served", got.Previous.Version)
		}
		if info, _, _ := e.keys.Check(context.Background(), ann, "openai"); info.HasPrevious {
			t.Errorf("past the window: check says %+v", info)
		}
		if _, _, ok := e.storedPrevious(t, ann); !ok {
			t.Error("the previous key left Redis before its TTL")
		}
	})
}

func TestAPIKeySecondRotationInsideTheWindowReplacesThePreviousKey(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)
		e.put(t, ann, goodKey, false)
		e.put(t, ann, otherKey, false)
		first, _, _ := e.storedPrevious(t, ann)
		e.clock.Advance(10 * time.Minute)
		info := e.put(t, ann, thirdKey, false)
		if !info.HasPrevious || !info.PreviousExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
			t.Errorf("info = %+v, want a previous key with a fresh window", info)
		}
		got := e.fetch(t, ann)
		if got.Version != 3 || got.Previous == nil || got.Previous.APIKey.Reveal() != otherKey || got.Previous.Version != 2 {
			t.Fatalf("version %d, previous %+v; want the second key as previous", got.Version, got.Previous)
		}
		if _, ttl, _ := e.storedPrevious(t, ann); ttl <= 59*time.Minute || ttl > time.Hour+time.Second {
			t.Errorf("previous TTL = %v, want a fresh hour", ttl)
		}
		e.gone(t, first)
	})
}

func TestAPIKeyRotationWithNoOverlapKeepsNoPreviousKey(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)
		e.put(t, ann, goodKey, false)
		if info := e.put(t, ann, otherKey, true); info.Version != 2 || info.HasPrevious {
			t.Errorf("info = %+v, want version 2 without a previous key", info)
		}
		if got := e.fetch(t, ann); got.APIKey.Reveal() != otherKey || got.Previous != nil {
			t.Errorf("version %d, previous %+v", got.Version, got.Previous)
		}
		if _, _, ok := e.storedPrevious(t, ann); ok {
			t.Error("a previous key is stored")
		}

		// A leaked previous key goes at once too: rotate with an overlap, then again without.
		e.put(t, acme, goodKey, false)
		e.put(t, acme, otherKey, false)
		leaked, _, _ := e.storedPrevious(t, acme)
		e.put(t, acme, thirdKey, true)
		if got := e.fetch(t, acme); got.Version != 3 || got.Previous != nil {
			t.Errorf("version %d, previous %+v", got.Version, got.Previous)
		}
		e.gone(t, leaked)

		// Re-putting the active key with NoOverlap drops the previous key as well.
		e.put(t, outbound.Owner{UserID: "bob"}, goodKey, false)
		e.put(t, outbound.Owner{UserID: "bob"}, otherKey, false)
		e.put(t, outbound.Owner{UserID: "bob"}, otherKey, true)
		if got := e.fetch(t, outbound.Owner{UserID: "bob"}); got.Previous != nil {
			t.Errorf("re-put with NoOverlap kept previous version %d", got.Previous.Version)
		}
		e.noKeyLeaks(t, goodKey, otherKey, thirdKey)
	})
}

func TestAPIKeyDeleteRemovesThePreviousKey(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)
		for _, o := range []outbound.Owner{ann, acme} {
			e.put(t, o, goodKey, false)
			e.put(t, o, otherKey, false)
		}
		annPrev, _, _ := e.storedPrevious(t, ann)
		acmePrev, _, _ := e.storedPrevious(t, acme)

		if err := e.keys.Delete(ctx, ann, "openai"); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := e.storedPrevious(t, ann); ok {
			t.Error("Delete left the previous key")
		}
		e.gone(t, annPrev)
		if err := e.apps.Delete(ctx, "openai"); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := e.storedPrevious(t, acme); ok {
			t.Error("deleting the app left a previous key")
		}
		e.gone(t, acmePrev)
	})
}

func TestAPIKeyFetchWithPreviousIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)
		e.put(t, ann, goodKey, false)
		e.put(t, ann, otherKey, false)
		e.fetch(t, ann) // warms the app cache
		rt := storetest.CountRoundTrips(s)
		if got := e.fetch(t, ann); got.Previous == nil {
			t.Fatal("no previous key")
		}
		if n := rt.Count(); n != 1 {
			t.Errorf("Fetch took %d round trips, want 1", n)
		}
	})
}
