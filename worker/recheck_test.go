package worker_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

// A stored key the app stops accepting is found by the re-check, marked invalid, and reported
// as apikey.invalid once; the key reaches neither the event nor the log.
func TestARecheckMarksARevokedKeyInvalid(t *testing.T) {
	t.Parallel()
	f := setup(t, storetest.New(t))
	ctx := context.Background()
	const key = "sk-live-abcdefghijklmnopqrstuvwxyz"
	var revoked atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if revoked.Load() || r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer api.Close()
	if _, err := f.apps.Create(ctx, apps.AppPatch{ID: ptr("ai"), Kind: ptr(apps.KindAPIKey), Name: ptr("AI"),
		APIKey: &apps.APIKeyPatch{Label: ptr("Key"), BaseURL: ptr(api.URL), Probe: &apps.ProbePatch{Path: ptr("/v1/models")}, RecheckEvery: ptr("1m")}}); err != nil {
		t.Fatal(err)
	}
	got := make(chan events.Event, 10)
	w := f.worker(t, worker.Config{APIKeys: f.keys, OnEvent: []worker.Handler{func(_ context.Context, ev events.Event) error {
		got <- ev
		return nil
	}}})
	stop := run(t, w)
	eventually(t, 10*time.Second, "the worker's consumer groups", func() bool { return groupsReady(ctx, f.st) })
	ada := outbound.Owner{UserID: "ada"}
	if _, err := f.keys.Put(ctx, apikeys.PutRequest{AppID: "ai", Owner: ada, APIKey: outbound.NewSecret(key), Validate: true}); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	// The first re-check is spread over the minute; bring it forward.
	eventually(t, 5*time.Second, "the key is scheduled", func() bool {
		_, ok, _ := f.st.Schedule("recheck").Due(ctx, "user:ada|ai")
		return ok
	})
	if err := f.st.Schedule("recheck").Add(ctx, "user:ada|ai", time.Now()); err != nil {
		t.Fatal(err)
	}
	var invalid events.Event
	deadline := time.After(10 * time.Second)
	for invalid.Type != events.APIKeyInvalid {
		select {
		case invalid = <-got:
		case <-deadline:
			t.Fatal("no apikey.invalid event")
		}
	}
	stop()
	info, ok, err := f.keys.Check(ctx, ada, "ai")
	if err != nil || !ok || info.InvalidAt.IsZero() {
		t.Fatalf("key after the re-check: %+v %v %v; want it marked invalid", info, ok, err)
	}
	if invalid.AppID != "ai" || invalid.Owner != ada || invalid.Version != 1 || strings.Contains(invalid.Reason, key) {
		t.Errorf("event %+v", invalid)
	}
}
