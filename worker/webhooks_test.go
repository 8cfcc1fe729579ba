package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/webhooks"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
	"github.com/outflowhq/outflow/worker"
)

// An event reaches a webhook endpoint signed with its secret, after the endpoint failed once, and
// the host's OnEvent callback gets it too.
func TestAnEventIsDeliveredSignedAfterARetry(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		f := setup(t, st)
		ctx := context.Background()
		rc := newReceiver(t)
		rc.fail.Store(1)
		ep, secret, err := f.hooks.Create(ctx, webhooks.EndpointInput{URL: ptr(rc.URL + "/hook"), EventTypes: &[]string{"app.*"}})
		if err != nil {
			t.Fatal(err)
		}
		seen := make(chan events.Event, 10)
		run(t, f.worker(t, worker.Config{Webhooks: f.hooks, OnEvent: []worker.Handler{func(_ context.Context, ev events.Event) error {
			seen <- ev
			return nil
		}}}))
		// The worker's group starts at the stream's end: publish once it exists.
		eventually(t, 10*time.Second, "the worker's consumer groups", func() bool { return groupsReady(context.Background(), f.st) })
		f.oauthApp(t, "crm")
		eventually(t, 10*time.Second, "app.created delivered", func() bool { return len(rc.ofType(events.AppCreated)) == 1 })
		got := rc.ofType(events.AppCreated)[0]
		id, ts := got.header.Get("webhook-id"), got.header.Get("webhook-timestamp")
		sig, err := webhooks.Sign(secret, id, unix(t, ts), got.body)
		if err != nil || got.header.Get("webhook-signature") != sig {
			t.Errorf("signature %q, want %q (%v)", got.header.Get("webhook-signature"), sig, err)
		}
		if got.event.AppID != "crm" || !strings.HasPrefix(id, "msg_") {
			t.Errorf("delivery %s of %+v", id, got.event)
		}
		select {
		case ev := <-seen:
			if ev.Type != events.AppCreated {
				t.Errorf("OnEvent got %s", ev.Type)
			}
		case <-time.After(5 * time.Second):
			t.Error("OnEvent was not called")
		}
		// The receiver sees the request before the worker records its answer.
		var ds []webhooks.Delivery
		eventually(t, 10*time.Second, "the delivery recorded as succeeded", func() bool {
			ds, err = f.hooks.Deliveries(ctx, ep.ID, 10)
			return err == nil && len(ds) == 1 && ds[0].Status == webhooks.StatusSucceeded
		})
		if len(ds) != 1 || ds[0].Attempts != 2 || ds[0].LastStatusCode != 204 {
			t.Fatalf("deliveries %+v, %v; want one succeeded on the second attempt", ds, err)
		}
	})
}

// A delivery every attempt of which fails becomes a dead letter, which a manual retry revives.
func TestADeliveryThatKeepsFailingDiesAndCanBeRetried(t *testing.T) {
	t.Parallel()
	f := setup(t, storetest.New(t))
	ctx := context.Background()
	rc := newReceiver(t)
	rc.fail.Store(3)
	ep, _, err := f.hooks.Create(ctx, webhooks.EndpointInput{URL: ptr(rc.URL)})
	if err != nil {
		t.Fatal(err)
	}
	run(t, f.worker(t, worker.Config{Webhooks: f.hooks}))
	d, err := f.hooks.SendTest(ctx, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the delivery dies after 3 attempts", func() bool {
		got, _ := f.hooks.Delivery(ctx, ep.ID, d.ID)
		return got.Status == webhooks.StatusDead && got.Attempts == 3
	})
	if _, err := f.hooks.Retry(ctx, ep.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the retried delivery succeeds", func() bool {
		got, _ := f.hooks.Delivery(ctx, ep.ID, d.ID)
		return got.Status == webhooks.StatusSucceeded
	})
	if n := len(rc.ofType(events.Test)); n != 1 {
		t.Errorf("the receiver took %d test events, want 1", n)
	}
}

// A rotated secret keeps signing beside the new one during the overlap.
func TestDuringARotationBothSecretsSign(t *testing.T) {
	t.Parallel()
	f := setup(t, storetest.New(t))
	ctx := context.Background()
	rc := newReceiver(t)
	ep, old, err := f.hooks.Create(ctx, webhooks.EndpointInput{URL: ptr(rc.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if _, fresh, err := f.hooks.RotateSecret(ctx, ep.ID, time.Hour); err != nil || fresh == old {
		t.Fatalf("rotate: %v", err)
	}
	run(t, f.worker(t, worker.Config{Webhooks: f.hooks}))
	if _, err := f.hooks.SendTest(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the test event arrives", func() bool { return len(rc.all()) == 1 })
	got := rc.all()[0]
	sigs := strings.Fields(got.header.Get("webhook-signature"))
	want, _ := webhooks.Sign(old, got.header.Get("webhook-id"), unix(t, got.header.Get("webhook-timestamp")), got.body)
	if len(sigs) != 2 || sigs[1] != want {
		t.Errorf("signatures %v: want two, the second by the old secret", sigs)
	}
}

// Stopping a worker gives back every lease it holds.
func TestAStoppedWorkerHoldsNoLease(t *testing.T) {
	t.Parallel()
	f := setup(t, storetest.New(t))
	stop := run(t, f.worker(t, worker.Config{Webhooks: f.hooks, Vault: f.vault, APIKeys: f.keys}))
	time.Sleep(100 * time.Millisecond)
	stop()
	for _, name := range []string{"refresh", "recheck", "whretry"} {
		if n, err := f.st.Schedule(name).Leased(context.Background()); err != nil || n != 0 {
			t.Errorf("schedule %s: %d leases held after stop (%v)", name, n, err)
		}
	}
}

// A stopping worker does not wait out its poll: it stops within a fraction of a second even when
// it looks at its schedules only every ten seconds, and though go-redis cannot abandon its
// blocking read of the delivery queue.
func TestAWorkerStopsPromptlyWhateverItsPoll(t *testing.T) {
	t.Parallel()
	f := setup(t, storetest.New(t))
	stop := run(t, f.worker(t, worker.Config{Webhooks: f.hooks, Vault: f.vault, APIKeys: f.keys, Poll: 10 * time.Second}))
	time.Sleep(300 * time.Millisecond) // every loop is waiting now
	start := time.Now()
	stop()
	if took := time.Since(start); took > time.Second {
		t.Errorf("the worker took %s to stop, want well under its 10s poll", took)
	}
}
