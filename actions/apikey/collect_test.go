package apikey_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/apikey"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

var ann = actions.Subject{UserID: "ann", TenantID: "acme"}

func TestTheExampleFlowCollectsAnOpenAIKey(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		e.createApp(t, "openai", nil)
		e.load(t, "collect-openai-key.yaml", exampleFlow(t))

		rn, r := e.start(t, "collect-openai-key", ann)
		screen := wantScreen(t, r, "collect")
		key, ok := screen.Field(apikey.KeyField)
		if !ok || !key.Secret || !key.Required || key.Label != "OpenAI API key" || key.Placeholder != "sk-proj-AbCdEf0123456789AbCdEf0123" || key.Hint != "t:apikey.hint_prefix?prefix=sk-" {
			t.Errorf("key field = %+v", key)
		}
		if screen.Title != "Connect OpenAI" || screen.App == nil || screen.App.Name != "OpenAI" || screen.App.Logo == "" {
			t.Errorf("screen = %q, app %+v", screen.Title, screen.App)
		}
		save, _ := screen.Button(apikey.ButtonSave)
		cancel, _ := screen.Button(apikey.ButtonCancel)
		if save.Label != "t:apikey.save" || save.NoValidate || cancel.Label != "t:apikey.cancel" || !cancel.NoValidate {
			t.Errorf("buttons = %+v", screen.Buttons)
		}

		// A key of another shape is refused before anything is sent to OpenAI.
		r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: malformed})
		screen = wantScreen(t, r, "collect")
		if msg := fieldMessage(screen, apikey.KeyField); msg != "t:apikey.key_prefix?label=OpenAI+API+key&prefix=sk-" {
			t.Errorf("format message = %q", msg)
		}
		if n := e.provider.hits.Load(); n != 0 {
			t.Errorf("a malformed key was sent to the provider (%d requests)", n)
		}

		// A well-formed key OpenAI refuses is checked once and refused with its status.
		r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: rejected})
		screen = wantScreen(t, r, "collect")
		if msg := fieldMessage(screen, apikey.KeyField); msg != "t:apikey.probe_rejected?app=OpenAI&status=401" {
			t.Errorf("probe message = %q (messages %+v)", msg, screen.Messages)
		}
		if n := e.provider.hits.Load(); n != 1 {
			t.Errorf("the provider got %d requests, want 1", n)
		}
		if got := len(screen.Messages); got != 1 {
			t.Errorf("messages = %+v, want only the probe's (the format message is gone)", screen.Messages)
		}

		// The good key is stored and the flow ends with what it may know.
		r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: goodKey})
		if r.Status != engine.StatusCompleted {
			t.Fatalf("status %s error %+v", r.Status, r.Error)
		}
		want := map[string]any{"connected": true, "version": float64(1), "last4": "GHIJ"}
		for k, v := range want {
			if r.Output[k] != v {
				t.Errorf("output[%s] = %#v, want %#v", k, r.Output[k], v)
			}
		}
		if r.Screen == nil || r.Screen.Text != "We saved the key ending in GHIJ." {
			t.Errorf("finished page = %+v", r.Screen)
		}

		got, err := e.keys.Fetch(context.Background(), outbound.Owner{UserID: ann.UserID, TenantID: ann.TenantID}, "openai")
		if err != nil || got.APIKey.Reveal() != goodKey {
			t.Fatalf("fetch after the flow: %v", err)
		}

		events, err := e.engine.Events(context.Background(), r.ExecutionID)
		if err != nil {
			t.Fatal(err)
		}
		var stored map[string]any
		for _, ev := range events {
			if ev.Type == apikey.EventStored {
				stored = ev.Data
			}
		}
		if stored == nil || stored["appId"] != "openai" || stored["ownerKind"] != "user" || stored["ownerId"] != "ann" || stored["rotated"] != false {
			t.Errorf("apikey.stored event = %+v", stored)
		}
		rn.noLeaks(t, goodKey, rejected, malformed)
	})
}

func TestCollectingAgainRotatesTheKey(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.createApp(t, "openai", nil)
	e.load(t, "collect-openai-key.yaml", exampleFlow(t))
	ctx := context.Background()
	if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: outbound.Owner{UserID: ann.UserID, TenantID: ann.TenantID}, APIKey: outbound.NewSecret("sk-proj-older0123456789abcdefWXYZ")}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(48 * time.Hour)

	rn, r := e.start(t, "collect-openai-key", ann)
	screen := wantScreen(t, r, "replace")
	if screen.Text != "The key ending in WXYZ is on file. Replace it?" {
		t.Errorf("text = %q", screen.Text)
	}
	r = rn.next(t, r, "replace", nil)
	wantScreen(t, r, "collect")
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: goodKey})
	if r.Status != engine.StatusCompleted || r.Output["version"] != float64(2) {
		t.Fatalf("status %s output %+v error %+v", r.Status, r.Output, r.Error)
	}
	got, err := e.keys.Fetch(ctx, outbound.Owner{UserID: ann.UserID, TenantID: ann.TenantID}, "openai")
	if err != nil {
		t.Fatal(err)
	}
	if got.APIKey.Reveal() != goodKey || got.Previous == nil || got.Previous.Version != 1 {
		t.Errorf("after collecting again: version %d previous %+v", got.Version, got.Previous)
	}
	events, _ := e.engine.Events(ctx, r.ExecutionID)
	for _, ev := range events {
		if ev.Type == apikey.EventStored && ev.Data["rotated"] != true {
			t.Errorf("apikey.stored = %+v, want rotated", ev.Data)
		}
	}
}

func TestCollectCancelStoresNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.createApp(t, "openai", nil)
	e.load(t, "collect-openai-key.yaml", exampleFlow(t))
	rn, r := e.start(t, "collect-openai-key", ann)
	r = rn.next(t, r, apikey.ButtonCancel, map[string]any{apikey.KeyField: ""})
	if r.Status != engine.StatusCompleted || r.Output["connected"] != false {
		t.Fatalf("status %s output %+v", r.Status, r.Output)
	}
	if _, found, _ := e.keys.Check(context.Background(), outbound.Owner{UserID: ann.UserID, TenantID: ann.TenantID}, "openai"); found {
		t.Error("a cancelled collection stored a key")
	}
}

func TestCollectGivesUpAfterTheAppsAttemptLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.createApp(t, "openai", func(k *apps.APIKeyPatch) { k.MaxAttempts = intp(3) })
	e.load(t, "collect-openai-key.yaml", exampleFlow(t))
	rn, r := e.start(t, "collect-openai-key", ann)

	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: rejected})
	screen := wantScreen(t, r, "collect")
	if !hasMessage(screen, "t:apikey.attempts?n=2") {
		t.Errorf("messages = %+v", screen.Messages)
	}
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: malformed})
	screen = wantScreen(t, r, "collect")
	if !hasMessage(screen, "t:apikey.attempts_one") {
		t.Errorf("messages = %+v", screen.Messages)
	}
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: rejected})
	if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != "invalid_api_key" {
		t.Fatalf("status %s error %+v, want the flow's gave_up step", r.Status, r.Error)
	}
	rn.noLeaks(t, rejected, malformed)
}

// An empty key never reaches the action: the engine refuses the required field.
func TestCollectRequiresTheKey(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.createApp(t, "openai", nil)
	e.load(t, "collect-openai-key.yaml", exampleFlow(t))
	rn, r := e.start(t, "collect-openai-key", ann)
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: ""})
	screen := wantScreen(t, r, "collect")
	if msg := fieldMessage(screen, apikey.KeyField); !strings.Contains(msg, "required") {
		t.Errorf("message = %q", msg)
	}
}

const tenantFlow = `
id: tenant-key
steps:
  ask:
    action: apikey.collect
    with:
      app: regional
      tenant: true
    on:
      stored: done
      cancelled: done
      invalid: done
  done:
    end:
      output:
        region: ${{ steps.ask.output.fields.region }}
        stored: ${{ steps.ask.output.stored }}
`

func TestCollectForTheTenantWithExtraFields(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.createApp(t, "regional", func(k *apps.APIKeyPatch) {
		k.Fields = &[]apps.ConnectionField{
			{Name: "region", Label: "Region", Required: true, Options: []string{"us", "eu"}},
			{Name: "project", Label: "Project id", Pattern: `proj_[a-z0-9]{4}`, Placeholder: "proj_ab12"},
		}
		k.Probe.Path = strp("/{region}/models")
	})
	e.load(t, "tenant-key.yaml", tenantFlow)

	rn, r := e.start(t, "tenant-key", ann)
	screen := wantScreen(t, r, "ask")
	region, _ := screen.Field("region")
	if region.Type != actions.FieldSelect || !region.Required || len(region.Options) != 2 {
		t.Errorf("region field = %+v", region)
	}
	// The engine checks the extra fields' patterns with a message naming an example.
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: goodKey, "region": "eu", "project": "nope"})
	screen = wantScreen(t, r, "ask")
	if msg := fieldMessage(screen, "project"); msg != "t:apikey.field_format_example?label=Project+id&example=proj_ab12" {
		t.Errorf("project message = %q", msg)
	}
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: goodKey, "region": "eu", "project": "proj_ab12"})
	if r.Status != engine.StatusCompleted || r.Output["region"] != "eu" || r.Output["stored"] != true {
		t.Fatalf("status %s output %+v error %+v", r.Status, r.Output, r.Error)
	}
	if p := e.provider.lastPath(); p != "/eu/models" {
		t.Errorf("probe path = %q", p)
	}
	// The key is the tenant's, not the user's.
	ctx := context.Background()
	if _, found, _ := e.keys.Check(ctx, outbound.Owner{UserID: "ann"}, "regional"); found {
		t.Error("stored for the user")
	}
	got, err := e.keys.Fetch(ctx, outbound.Owner{TenantID: "acme"}, "regional")
	if err != nil || got.Fields["region"] != "eu" || got.Fields["project"] != "proj_ab12" {
		t.Fatalf("tenant key: %+v, %v", got, err)
	}

	// Without a tenant the step cannot know whose key it is.
	_, r = e.start(t, "tenant-key", actions.Subject{UserID: "solo"})
	if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != apikey.CodeNoOwner {
		t.Errorf("status %s error %+v, want %s", r.Status, r.Error, apikey.CodeNoOwner)
	}
	rn.noLeaks(t, goodKey)
}

// A field value the probe cannot send (a path segment of "." or "..", a ':' in the basic user
// name) is shown next to its field, like any other mistake; the step does not fail.
func TestCollectShowsFieldsTheProbeCannotSendNextToThem(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.createApp(t, "regional", func(k *apps.APIKeyPatch) {
		k.Fields = &[]apps.ConnectionField{{Name: "region", Label: "Region", Required: true}}
		k.Probe.Path = strp("/{region}/models")
	})
	e.load(t, "tenant-key.yaml", tenantFlow)
	rn, r := e.start(t, "tenant-key", ann)
	wantScreen(t, r, "ask")
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: goodKey, "region": ".."})
	screen := wantScreen(t, r, "ask")
	if msg := fieldMessage(screen, "region"); !strings.HasPrefix(msg, "Region ") || !strings.Contains(msg, `".."`) {
		t.Errorf("region message = %q, want one naming the value's problem", msg)
	}
	if e.provider.hits.Load() != 0 {
		t.Error("the probe was sent")
	}
	r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: goodKey, "region": "eu"})
	if r.Status != engine.StatusCompleted || r.Output["stored"] != true {
		t.Fatalf("status %s output %+v error %+v", r.Status, r.Output, r.Error)
	}
	rn.noLeaks(t, goodKey)
}

func TestCollectStepsFailCleanlyForUnknownOrOAuthApps(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	kind := apps.KindOAuth2
	if _, err := e.apps.Create(context.Background(), apps.AppPatch{
		ID: strp("google"), Kind: &kind, Name: strp("Google"), ClientID: strp("cid"),
		AuthorizationURL: strp("https://accounts.example.com/auth"), TokenURL: strp("https://accounts.example.com/token"),
	}); err != nil {
		t.Fatal(err)
	}
	for app, code := range map[string]string{"missing": apikey.CodeAppNotFound, "google": apikey.CodeNotAPIKeyApp} {
		e.load(t, app+".yaml", "id: f-"+app+"\nsteps:\n  ask:\n    action: apikey.collect\n    with: {app: "+app+"}\n    next: [{goto: done}]\n  done:\n    end: {}\n")
		_, r := e.start(t, "f-"+app, ann)
		if r.Status != engine.StatusFailed || r.Error == nil || r.Error.Code != code {
			t.Errorf("app %s: status %s error %+v, want %s", app, r.Status, r.Error, code)
		}
	}
}

func TestCollectConfigIsCheckedWhenTheFlowLoads(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	for name, src := range map[string]string{
		"bad app id":   "id: x\nsteps:\n  ask:\n    action: apikey.collect\n    with: {app: Open AI}\n    next: [{goto: done}]\n  done:\n    end: {}\n",
		"no app":       "id: x\nsteps:\n  ask:\n    action: apikey.collect\n    with: {tenant: true}\n    next: [{goto: done}]\n  done:\n    end: {}\n",
		"bad outcome":  "id: x\nsteps:\n  ask:\n    action: apikey.collect\n    with: {app: openai}\n    on: {success: done}\n  done:\n    end: {}\n",
		"check no app": "id: x\nsteps:\n  ask:\n    action: apikey.check\n    with: {}\n    next: [{goto: done}]\n  done:\n    end: {}\n",
	} {
		if _, err := e.loader.Load(name+".yaml", []byte(src)); err == nil {
			t.Errorf("%s: the flow loaded", name)
		}
	}
}

func hasMessage(s *actions.Screen, text string) bool {
	for _, m := range s.Messages {
		if m.Text == text {
			return true
		}
	}
	return false
}

// An app that cannot check keys (down, rate limited) does not use up the user's attempts.
func TestCollectProviderOutageDoesNotCountAsAnAttempt(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	e.createApp(t, "openai", func(k *apps.APIKeyPatch) {
		k.MaxAttempts = intp(2)
		k.BaseURL = strp(down.URL)
	})
	e.load(t, "collect-openai-key.yaml", exampleFlow(t))
	rn, r := e.start(t, "collect-openai-key", ann)
	for i := range 4 {
		r = rn.next(t, r, apikey.ButtonSave, map[string]any{apikey.KeyField: goodKey})
		if r.Status != engine.StatusWaiting {
			t.Fatalf("attempt %d during an outage ended the step: %s %+v", i+1, r.Status, r.Error)
		}
		wantScreen(t, r, "collect")
	}
	rn.noLeaks(t, goodKey)
}
