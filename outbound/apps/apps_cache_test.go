package apps

import (
	"context"
	"testing"

	"github.com/outflowhq/outflow/store/storetest"
)

// A warm Get or List costs no Redis round trip; entries expire after 5 seconds.
func TestCacheServesHotReadsWithoutRedis(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	if _, err := f.apps.CreateFromTemplate(ctx, "google-contacts", googleInput("s")); err != nil {
		t.Fatal(err)
	}
	rt := storetest.CountRoundTrips(f.store)

	if _, err := f.apps.Get(ctx, "google-contacts"); err != nil {
		t.Fatal(err)
	}
	if rt.Count() == 0 {
		t.Fatal("the first Get after a write made no round trip: writes must invalidate the cache")
	}
	rt.Reset()
	for range 100 {
		if _, err := f.apps.Get(ctx, "google-contacts"); err != nil {
			t.Fatal(err)
		}
	}
	if n := rt.Count(); n != 0 {
		t.Errorf("100 warm Gets made %d round trips, want 0", n)
	}
	if _, err := f.apps.List(ctx); err != nil {
		t.Fatal(err)
	}
	rt.Reset()
	for range 10 {
		if _, err := f.apps.List(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.apps.Get(ctx, "google-contacts"); err != nil {
			t.Fatal(err)
		}
	}
	if n := rt.Count(); n != 0 {
		t.Errorf("warm reads made %d round trips, want 0", n)
	}

	f.clock.Advance(appCacheTTL)
	if _, err := f.apps.Get(ctx, "google-contacts"); err != nil {
		t.Fatal(err)
	}
	if rt.Count() == 0 {
		t.Error("an entry older than 5s was served from the cache")
	}
}

// Writes through an instance show at once on that instance, and within 5s on another one.
func TestCacheAcrossInstances(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	other := setupAppsSharing(t, f)
	ctx := context.Background()
	if _, err := f.apps.Create(ctx, customPatch("crm", "s")); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(ctx, "crm"); err != nil { // warms other's cache
		t.Fatal(err)
	}
	if _, err := other.List(ctx); err != nil {
		t.Fatal(err)
	}

	if _, err := f.apps.Update(ctx, "crm", AppPatch{Name: ptr("Renamed")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.apps.Get(ctx, "crm"); got.Name != "Renamed" {
		t.Errorf("the writing instance reads %q after its own update", got.Name)
	}
	f.clock.Advance(appCacheTTL)
	if got, _ := other.Get(ctx, "crm"); got.Name != "Renamed" {
		t.Errorf("another instance still reads %q 5s after the update", got.Name)
	}
	if list, _ := other.List(ctx); len(list) != 1 || list[0].Name != "Renamed" {
		t.Errorf("another instance lists %v 5s after the update", list)
	}
}

// Callers cannot change the cached app through what Get and List return.
func TestCacheReturnsCopies(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := context.Background()
	if _, err := f.apps.CreateFromTemplate(ctx, "google-contacts", googleInput("s")); err != nil {
		t.Fatal(err)
	}
	a, _ := f.apps.Get(ctx, "google-contacts")
	a.Scopes[0].Name = "mutated"
	a.AuthorizationParams["x"] = "y"
	list, _ := f.apps.List(ctx)
	list[0].DefaultScopes[0] = "mutated"

	b, _ := f.apps.Get(ctx, "google-contacts")
	if b.Scopes[0].Name == "mutated" || b.AuthorizationParams["x"] == "y" || b.DefaultScopes[0] == "mutated" {
		t.Error("a caller's change to a returned app reached the cache")
	}
}

// A read that started before a write cannot put the older app back into the cache.
func TestCacheDropsLoadsOlderThanAWrite(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	c := f.apps.cache
	gen := c.generation()
	c.invalidate() // a write lands while the read is in flight
	c.put(gen, App{ID: "crm", Name: "stale"})
	if _, ok := c.get("crm"); ok {
		t.Error("a load from before an invalidation was cached")
	}
	c.putAll(gen, []App{{ID: "crm"}})
	if _, ok := c.getAll(); ok {
		t.Error("a list from before an invalidation was cached")
	}
}
