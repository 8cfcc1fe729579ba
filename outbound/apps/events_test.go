package apps

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
)

func TestAppChangesArePublishedWithTheirActorAndNoSetting(t *testing.T) {
	t.Parallel()
	f := setupApps(t, nil)
	ctx := outbound.WithActor(context.Background(), "console:1234abcd")
	const secret = "events-secret-value-0001"
	if _, err := f.apps.Create(ctx, customPatch("crm", secret)); err != nil {
		t.Fatal(err)
	}
	name := "Renamed"
	if _, err := f.apps.Update(ctx, "crm", AppPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.Update(ctx, "crm", AppPatch{Name: &name}); err != nil { // changes nothing: no event
		t.Fatal(err)
	}
	if err := f.apps.Delete(context.Background(), "crm"); err != nil { // no actor
		t.Fatal(err)
	}
	entries, err := events.Entries(context.Background(), f.store)
	if err != nil {
		t.Fatal(err)
	}
	var types, actors []string
	for _, e := range entries {
		ev, err := events.Decode(e.Fields)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, string(ev.Type))
		actors = append(actors, ev.Actor)
		if ev.AppID != "crm" || !ev.Time.Equal(appsEpoch) || ev.ConnectionID != "" || ev.Reason != "" {
			t.Errorf("event %+v", ev)
		}
		for _, v := range e.Fields {
			if strings.Contains(v, secret) {
				t.Error("an event holds the secret")
			}
		}
	}
	if !slices.Equal(types, []string{string(events.AppCreated), string(events.AppUpdated), string(events.AppDeleted)}) ||
		!slices.Equal(actors, []string{"console:1234abcd", "console:1234abcd", ""}) {
		t.Errorf("types %v, actors %v", types, actors)
	}
}
