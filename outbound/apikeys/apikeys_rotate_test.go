package apikeys_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestAPIKeyRotationKeepsThePreviousKeyForTheOverlapWindow(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil) // overlap: 1h

		put := func(key string) apikeys.KeyInfo {
			t.Helper()
			info, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: acme, APIKey: outbound.NewSecret(key), Validate: true})
			if err != nil {
				t.Fatalf("put: %v", err)
			}
			return info
		}
		put(goodKey)
		e.clock.Advance(10 * time.Minute)
		rotatedAt := e.clock.Now()
		info := put(otherKey)
		if info.Version != 2 || !info.HasPrevious || !info.PreviousExpiresAt.Equal(rotatedAt.Add(time.Hour)) {
			t.Fatalf("after rotation: %+v", info)
		}

		// Within the window both keys are served: the new one active, the old one previous.
		e.clock.Advance(59 * time.Minute)
		got, err := e.keys.Fetch(ctx, acme, "openai")
		if err != nil {
			t.Fatal(err)
		}
		if got.APIKey.Reveal() != otherKey || got.Version != 2 {
			t.Errorf("active: version %d", got.Version)
		}
		if got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey || got.Previous.Version != 1 ||
			!got.Previous.ExpiresAt.Equal(rotatedAt.Add(time.Hour)) {
			t.Fatalf("previous = %+v, want version 1 until %v", got.Previous, rotatedAt.Add(time.Hour))
		}

		// After it only the new one is, and the old one is gone from Redis for good.
		e.clock.Advance(time.Minute)
		got, err = e.keys.Fetch(ctx, acme, "openai")
		if err != nil {
			t.Fatal(err)
		}
		if got.APIKey.Reveal() != otherKey || got.Previous != nil {
			t.Errorf("after the window: version %d, previous %+v", got.Version, got.Previous)
		}
		if hits := storetest.Find(t, s, `"previous"`); len(hits) != 0 {
			t.Errorf("the expired previous key is still stored in %v", hits)
		}
		if list, _ := e.keys.List(ctx, acme); len(list) != 1 || list[0].HasPrevious || list[0].Version != 2 {
			t.Errorf("list = %+v", list)
		}
		e.noKeyLeaks(t, goodKey, otherKey)
	})
}

func TestAPIKeyRotationDropsAnExpiredPreviousOnWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	e.createKeyApp(t, "openai", func(k *apps.APIKeyPatch) { k.OverlapSeconds = intp(60) })
	third := "sk-third-abcdefghij0123456789"
	for i, key := range []string{goodKey, otherKey, third} {
		if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(key)}); err != nil {
			t.Fatalf("put %d: %v", i+1, err)
		}
		e.clock.Advance(2 * time.Minute)
	}
	// Each rotation happened after the previous window closed: only the newest key is left.
	got, err := e.keys.Fetch(ctx, ann, "openai")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Previous != nil {
		t.Errorf("version %d previous %+v", got.Version, got.Previous)
	}
}

func TestAPIKeyRePutOfTheSameKeyKeepsTheRealPreviousKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	e.createKeyApp(t, "openai", nil)
	for _, key := range []string{goodKey, otherKey, otherKey} {
		if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(key)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.keys.Fetch(ctx, ann, "openai")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey {
		t.Errorf("version %d, previous %+v: want the first key still as previous", got.Version, got.Previous)
	}
}

func TestDeletingAnAppDeletesItsKeysForEveryOwner(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		e.createKeyApp(t, "openai", nil)
		e.createKeyApp(t, "mistral", nil)
		for _, o := range []outbound.Owner{ann, acme} {
			for _, app := range []string{"openai", "mistral"} {
				if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: app, Owner: o, APIKey: outbound.NewSecret(goodKey)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := e.apps.Delete(ctx, "openai"); err != nil {
			t.Fatal(err)
		}
		// An app created again under the same id starts with no keys.
		e.createKeyApp(t, "openai", nil)
		for _, o := range []outbound.Owner{ann, acme} {
			if _, found, err := e.keys.Check(ctx, o, "openai"); err != nil || found {
				t.Errorf("%s: openai key found=%v err=%v after the app was deleted", o.ID(), found, err)
			}
			list, err := e.keys.List(ctx, o)
			if err != nil || len(list) != 1 || list[0].AppID != "mistral" {
				t.Errorf("%s: list = %+v, %v; want only mistral", o.ID(), list, err)
			}
		}
	})
}

func TestAPIKeysResealUnderANewKeyringKey(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		oldEntry, _ := store.GenerateKey("old")
		newEntry, _ := store.GenerateKey("new")
		ring := func(spec string) *store.Keyring {
			k, err := store.ParseKeyring(spec)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		apps, keys := e.open(t, ring(oldEntry))
		e.apps = apps
		e.createKeyApp(t, "openai", nil)
		for _, key := range []string{goodKey, otherKey} {
			if _, err := keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(key)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: acme, APIKey: outbound.NewSecret(goodKey)}); err != nil {
			t.Fatal(err)
		}

		_, rotated := e.open(t, ring(newEntry+","+oldEntry))
		rep, err := rotated.Reseal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Kind != "apikeys" || rep.Scanned != 2 || rep.Resealed != 2 || rep.Failed != 0 {
			t.Errorf("report = %+v", rep)
		}
		if rep, _ := rotated.Reseal(ctx); rep.Resealed != 0 {
			t.Errorf("second pass resealed %d records", rep.Resealed)
		}

		// The old key can leave the ring: both versions still open.
		_, newOnly := e.open(t, ring(newEntry))
		got, err := newOnly.Fetch(ctx, ann, "openai")
		if err != nil {
			t.Fatal(err)
		}
		if got.APIKey.Reveal() != otherKey || got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey {
			t.Errorf("after reseal: version %d previous %+v", got.Version, got.Previous)
		}
	})
}

func TestAPIKeysResealKeepsThePreviousKeysTTL(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := keysSetup(t, s)
		oldEntry, _ := store.GenerateKey("old")
		newEntry, _ := store.GenerateKey("new")
		oldRing, _ := store.ParseKeyring(oldEntry)
		rotatedRing, _ := store.ParseKeyring(newEntry + "," + oldEntry)
		newRing, _ := store.ParseKeyring(newEntry)
		apps, keys := e.open(t, oldRing)
		e.apps, e.keys = apps, keys
		e.createKeyApp(t, "openai", nil) // overlap: 1h
		e.put(t, ann, goodKey, false)
		e.put(t, ann, otherKey, false)
		// Twenty minutes of the window are left, by Redis's count.
		prevKey := s.Keys().APIKeyPrevious("user", "ann", "openai")
		if err := s.Client().PExpire(ctx, prevKey, 20*time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		before, _, _ := e.storedPrevious(t, ann)

		_, rotated := e.open(t, rotatedRing)
		if rep, err := rotated.Reseal(ctx); err != nil || rep.Resealed != 1 {
			t.Fatalf("reseal: %+v, %v", rep, err)
		}
		after, ttl, ok := e.storedPrevious(t, ann)
		if !ok || after == before || !strings.HasPrefix(after, "of1.new.") {
			t.Fatalf("previous key after reseal: stored %v, sealed again %v", ok, after != before)
		}
		if ttl <= 19*time.Minute || ttl > 20*time.Minute {
			t.Errorf("previous key TTL after reseal = %v, want the 20m it had left", ttl)
		}
		_, newOnly := e.open(t, newRing)
		got, err := newOnly.Fetch(ctx, ann, "openai")
		if err != nil || got.Previous == nil || got.Previous.APIKey.Reveal() != goodKey {
			t.Fatalf("fetch with the new key alone: %v, previous %+v", err, got)
		}
	})
}

func TestASealedKeyOpensOnlyForItsOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	e.createKeyApp(t, "openai", nil)
	if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(goodKey)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: outbound.Owner{UserID: "bob"}, APIKey: outbound.NewSecret(otherKey)}); err != nil {
		t.Fatal(err)
	}
	// Someone with write access to Redis copies ann's sealed key into bob's record.
	k := e.store.Keys()
	c := e.store.Client()
	annData, err := c.HGet(ctx, k.APIKeys("user", "ann", "openai"), "data").Result()
	if err != nil {
		t.Fatal(err)
	}
	bobKey := k.APIKeys("user", "bob", "openai")
	bobData, err := c.HGet(ctx, bobKey, "data").Result()
	if err != nil {
		t.Fatal(err)
	}
	var annRec, bobRec map[string]any
	_ = json.Unmarshal([]byte(annData), &annRec)
	_ = json.Unmarshal([]byte(bobData), &bobRec)
	bobRec["current"].(map[string]any)["sealed"] = annRec["current"].(map[string]any)["sealed"]
	forged, _ := json.Marshal(bobRec)
	if err := c.HSet(ctx, bobKey, "data", forged).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := e.keys.Fetch(ctx, outbound.Owner{UserID: "bob"}, "openai")
	if err == nil {
		t.Fatalf("bob fetched a key (version %d) sealed for ann", got.Version)
	}
	if !errors.Is(err, store.ErrSealBroken) {
		t.Errorf("err = %v, want ErrSealBroken", err)
	}
}

func TestFetchedKeysAndInfoNeverShowTheKey(t *testing.T) {
	t.Parallel()
	f := &apikeys.FetchedKey{
		AppID: "openai", APIKey: outbound.NewSecret(goodKey), Version: 2,
		Previous: &apikeys.PreviousKey{APIKey: outbound.NewSecret(otherKey), Version: 1},
	}
	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("fetched", "key", f, "value", *f, "info", apikeys.KeyInfo{AppID: "openai", Last4: "ghij"})
	printed := fmt.Sprintf("%v %+v %#v %s %v", f, f, *f, f, *f.Previous)
	if b, err := json.Marshal(f); err == nil {
		printed += string(b)
	}
	for _, out := range []string{logs.String(), printed} {
		if strings.Contains(out, goodKey) || strings.Contains(out, otherKey) {
			t.Errorf("a key shows in %s", out)
		}
	}
	if !strings.Contains(logs.String(), "REDACTED") {
		t.Errorf("log = %s, want REDACTED in place of the key", logs.String())
	}
}
