package apikey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/apikey"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// Keys typed in the tests. Each is searched for in responses, events, Redis and logs.
const (
	goodKey   = "sk-proj-good0123456789abcdefGHIJ"
	rejected  = "sk-proj-revoked0123456789abcdef"
	malformed = "pk_live_notAnOpenAIKey"
)

var epoch = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// env is an engine with the core and apikey kinds, an app registry and API-key store on one
// Redis, a fake clock, every log captured, and a fake provider API.
type env struct {
	store    *store.Store
	clock    *clock.Fake
	logs     *syncBuffer
	apps     *apps.Apps
	keys     *apikeys.APIKeys
	loader   *flows.Loader
	engine   *engine.Engine
	provider *provider
}

func setup(t *testing.T, s *store.Store) *env {
	t.Helper()
	e := &env{store: s, clock: clock.NewFake(epoch), logs: &syncBuffer{}, provider: newProvider(t, goodKey)}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ring, err := store.EphemeralKeyring()
	if err != nil {
		t.Fatal(err)
	}
	if e.apps, err = apps.NewApps(apps.Options{Store: s, Keyring: ring, Clock: e.clock, Logger: log}); err != nil {
		t.Fatal(err)
	}
	e.keys = apikeys.NewAPIKeys(e.apps)
	e.apps.OnDelete(e.keys.DeleteApp)
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := apikey.Register(reg, e.keys); err != nil {
		t.Fatal(err)
	}
	e.loader = flows.NewLoader(reg)
	if e.engine, err = engine.New(engine.Options{Store: s, Registry: reg, Clock: e.clock, Logger: log}); err != nil {
		t.Fatal(err)
	}
	return e
}

// createApp creates the openai app (or another id) against the fake provider.
func (e *env) createApp(t *testing.T, id string, adjust func(*apps.APIKeyPatch)) {
	t.Helper()
	k := &apps.APIKeyPatch{
		Label: strp("OpenAI API key"),
		FormatHint: &apps.FormatHintPatch{
			Prefix: strp("sk-"), Pattern: strp(`sk-[A-Za-z0-9_-]{20,}`), Example: strp("sk-proj-AbCdEf0123456789AbCdEf0123"),
		},
		BaseURL:        strp(e.provider.URL),
		Probe:          &apps.ProbePatch{Path: strp("/v1/models")},
		OverlapSeconds: intp(3600),
	}
	if adjust != nil {
		adjust(k)
	}
	kind := apps.KindAPIKey
	if _, err := e.apps.Create(context.Background(), apps.AppPatch{
		ID: strp(id), Kind: &kind, Name: strp("OpenAI"), Logo: strp("https://cdn.example.com/openai.png"), APIKey: k,
	}); err != nil {
		t.Fatalf("create app %s: %v", id, err)
	}
}

// load loads a flow source (or the example file when src is a path under examples/) and makes
// it current.
func (e *env) load(t *testing.T, name, src string) {
	t.Helper()
	f, err := e.loader.Load(name, []byte(src))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	if err := e.engine.AddFlow(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func exampleFlow(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/flows/collect-openai-key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// run records every response of an execution, to search them for keys.
type run struct {
	e         *env
	subject   actions.Subject
	responses []*engine.Response
}

func (e *env) start(t *testing.T, flowID string, subject actions.Subject) (*run, *engine.Response) {
	t.Helper()
	r, err := e.engine.Start(context.Background(), flowID, engine.StartRequest{Subject: subject})
	if err != nil {
		t.Fatalf("start %s: %v", flowID, err)
	}
	rn := &run{e: e, subject: subject, responses: []*engine.Response{r}}
	return rn, r
}

func (rn *run) next(t *testing.T, r *engine.Response, interaction string, input map[string]any) *engine.Response {
	t.Helper()
	next, err := rn.e.engine.Next(context.Background(), r.ExecutionID, engine.NextRequest{
		StepID: r.StepID, Interaction: interaction, Input: input, Nonce: r.Nonce,
	})
	if err != nil {
		t.Fatalf("next %s at %s: %v", interaction, r.StepID, err)
	}
	rn.responses = append(rn.responses, next)
	return next
}

// noLeaks fails when a key shows in any response, in the execution's events, in Redis or in
// the logs.
func (rn *run) noLeaks(t *testing.T, keys ...string) {
	t.Helper()
	var seen bytes.Buffer
	for _, r := range rn.responses {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		seen.Write(b)
	}
	events, err := rn.e.engine.Events(context.Background(), rn.responses[0].ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 {
		t.Fatal("no events recorded")
	}
	evs, _ := json.Marshal(events)
	logs := rn.e.logs.String()
	for _, k := range keys {
		if strings.Contains(seen.String(), k) {
			t.Errorf("a key is in an engine response: %s", seen.String())
		}
		if strings.Contains(string(evs), k) {
			t.Errorf("a key is in the event log: %s", evs)
		}
		if hits := storetest.Find(t, rn.e.store, k); len(hits) > 0 {
			t.Errorf("a key is in Redis in plain text, in %v", hits)
		}
		if strings.Contains(logs, k) {
			t.Errorf("a key is in the logs:\n%s", logs)
		}
	}
}

func wantScreen(t *testing.T, r *engine.Response, step string) *actions.Screen {
	t.Helper()
	if r.Status != engine.StatusWaiting || r.Action != engine.ActionScreen || r.StepID != step || r.Screen == nil {
		t.Fatalf("got status %s action %s step %s error %+v, want a screen at %s", r.Status, r.Action, r.StepID, r.Error, step)
	}
	return r.Screen
}

// fieldMessage returns the message shown next to a field.
func fieldMessage(s *actions.Screen, field string) string {
	for _, m := range s.Messages {
		if m.Field == field {
			return m.Text
		}
	}
	return ""
}

// provider stands in for OpenAI: GET .../models answers 200 for a known bearer key, 401 else.
type provider struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	path string
}

func newProvider(t *testing.T, valid string) *provider {
	t.Helper()
	p := &provider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		p.mu.Lock()
		p.path = r.URL.Path
		p.mu.Unlock()
		if r.Header.Get("Authorization") == "Bearer "+valid && strings.HasSuffix(r.URL.Path, "/models") {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *provider) lastPath() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.path
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func strp(s string) *string { return &s }
func intp(n int) *int       { return &n }
