package apikeys_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store/storetest"
)

func TestPutWithValidateStoresOnlyKeysTheAppAccepts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	e.createKeyApp(t, "openai", nil)

	_, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(badKey), Validate: true})
	var pe *apikeys.ProbeError
	if !errors.As(err, &pe) || !errors.Is(err, apikeys.ErrKeyRejected) || pe.Status != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a rejection with HTTP 401", err)
	}
	if want := "OpenAI did not accept this key (HTTP 401). Check it and try again."; pe.Message() != want {
		t.Errorf("message = %q, want %q", pe.Message(), want)
	}
	if _, found, _ := e.keys.Check(ctx, ann, "openai"); found {
		t.Fatal("a rejected key was stored")
	}

	before := e.provider.hits.Load()
	if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: ann, APIKey: outbound.NewSecret(goodKey), Validate: true}); err != nil {
		t.Fatal(err)
	}
	if n := e.provider.hits.Load() - before; n != 1 {
		t.Errorf("validation made %d requests, want exactly one", n)
	}
	// Without Validate the format check alone decides.
	before = e.provider.hits.Load()
	if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: acme, APIKey: outbound.NewSecret(badKey)}); err != nil {
		t.Fatal(err)
	}
	if n := e.provider.hits.Load() - before; n != 0 {
		t.Errorf("a put without validate sent %d probes", n)
	}
	e.noKeyLeaks(t, goodKey, badKey)
}

func TestProbeOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))

	tests := []struct {
		name     string
		status   int
		valid    []int
		wantErr  error
		wantText string
	}{
		{"2xx is valid by default", http.StatusNoContent, nil, nil, ""},
		{"listed statuses are valid", http.StatusForbidden, []int{200, 403}, nil, ""},
		{"401 is a rejection", http.StatusUnauthorized, nil, apikeys.ErrKeyRejected, "did not accept this key (HTTP 401)"},
		{"2xx outside the list is a rejection", http.StatusOK, []int{204}, apikeys.ErrKeyRejected, "HTTP 200"},
		{"5xx means try again", http.StatusBadGateway, nil, apikeys.ErrProbeFailed, "could not check this key right now (HTTP 502)"},
		{"429 means try again", http.StatusTooManyRequests, nil, apikeys.ErrProbeFailed, "HTTP 429"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tt.status) }))
			t.Cleanup(srv.Close)
			app := e.createKeyApp(t, "probe-"+string(rune('a'+i)), func(k *apps.APIKeyPatch) {
				k.BaseURL = strp(srv.URL)
				if tt.valid != nil {
					k.Probe.ValidStatuses = &tt.valid
				}
			})
			err := e.keys.Probe(ctx, app, outbound.NewSecret(goodKey), nil)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v, want valid", err)
				}
				return
			}
			var pe *apikeys.ProbeError
			if !errors.Is(err, tt.wantErr) || !errors.As(err, &pe) || !strings.Contains(pe.Message(), tt.wantText) {
				t.Fatalf("err = %v, want %v saying %q", err, tt.wantErr, tt.wantText)
			}
		})
	}
}

func TestProbeDoesNotFollowARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	var stolen atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(elsewhere.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/collect", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)

	for i, place := range []func(*apps.ProbePatch){
		func(p *apps.ProbePatch) {},
		func(p *apps.ProbePatch) { p.KeyIn, p.HeaderName = placep(apps.KeyInHeader), strp("x-api-key") },
		func(p *apps.ProbePatch) { p.KeyIn, p.QueryParam = placep(apps.KeyInQuery), strp("key") },
	} {
		app := e.createKeyApp(t, "redirecting-"+string(rune('a'+i)), func(k *apps.APIKeyPatch) {
			k.BaseURL = strp(redirector.URL)
			place(k.Probe)
		})
		err := e.keys.Probe(ctx, app, outbound.NewSecret(goodKey), nil)
		var pe *apikeys.ProbeError
		if !errors.As(err, &pe) || !errors.Is(err, apikeys.ErrKeyRejected) || pe.Status != http.StatusTemporaryRedirect {
			t.Errorf("keyIn %s: err = %v, want a rejection with HTTP 307", app.APIKey.Probe.KeyIn, err)
		}
	}
	if n := stolen.Load(); n != 0 {
		t.Errorf("the other host received %d requests", n)
	}
}

func TestAProbeTowardAnotherHostIsRefusedWhenTheAppIsCreated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	for _, path := range []string{"https://collector.example/steal", "//collector.example/steal", `/\collector.example`, "http:collector.example"} {
		_, err := e.apps.Create(ctx, apps.AppPatch{
			ID: strp("sneaky"), Kind: kindp(apps.KindAPIKey), Name: strp("Sneaky"),
			APIKey: &apps.APIKeyPatch{
				Label: strp("Key"), BaseURL: strp("https://api.example.com"),
				Probe: &apps.ProbePatch{Path: strp(path)},
			},
		})
		var ve *outbound.InvalidError
		if !errors.As(err, &ve) {
			t.Errorf("probe path %q: err = %v, want a validation error", path, err)
			continue
		}
		if _, ok := ve.Field("apiKey.probe.path"); !ok {
			t.Errorf("probe path %q: fields %+v, want apiKey.probe.path", path, ve.Fields)
		}
	}
	if _, err := e.apps.Get(ctx, "sneaky"); !errors.Is(err, apps.ErrAppNotFound) {
		t.Errorf("a refused app was stored: %v", err)
	}
}

func TestProbeFailuresNeverCarryTheKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))

	// Nothing listens here any more: the request fails with an error that would name the URL,
	// and the URL holds the key.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	app := e.createKeyApp(t, "unreachable", func(k *apps.APIKeyPatch) {
		k.BaseURL = strp(gone.URL)
		k.Probe.KeyIn, k.Probe.QueryParam = placep(apps.KeyInQuery), strp("api_key")
	})
	err := e.keys.Probe(ctx, app, outbound.NewSecret(goodKey), nil)
	var pe *apikeys.ProbeError
	if !errors.As(err, &pe) || !errors.Is(err, apikeys.ErrProbeFailed) || pe.Status != 0 {
		t.Fatalf("err = %v, want ErrProbeFailed without a status", err)
	}
	if strings.Contains(err.Error(), goodKey) || strings.Contains(pe.Message(), goodKey) {
		t.Errorf("the error shows the key: %v", err)
	}
	if !strings.Contains(pe.Message(), "Could not reach OpenAI") {
		t.Errorf("message = %q", pe.Message())
	}
	e.noKeyLeaks(t, goodKey)
}

func TestProbeGivesUpAfterItsTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	app := e.createKeyApp(t, "slow", func(k *apps.APIKeyPatch) {
		k.BaseURL = strp(slow.URL)
		k.Probe.TimeoutSeconds = intp(1)
	})
	start := time.Now()
	err := e.keys.Probe(ctx, app, outbound.NewSecret(goodKey), nil)
	var pe *apikeys.ProbeError
	if !errors.As(err, &pe) || !errors.Is(err, apikeys.ErrProbeFailed) || pe.Timeout != time.Second {
		t.Fatalf("err = %v, want a timeout after 1s", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the probe took %v with a 1s timeout", d)
	}
	if !strings.Contains(pe.Message(), "did not answer within 1s") {
		t.Errorf("message = %q", pe.Message())
	}
}

// A connection field that would break the probe's URL or user name ("." or ".." as a path
// segment, ':' in a basic user name) is the user's mistake: an *outbound.InvalidError naming the
// field, before anything is sent, never an internal error.
func TestFieldsThatCannotBeSentAreRefusedNextToTheField(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := keysSetup(t, storetest.New(t))
	app := e.createKeyApp(t, "twilioish", func(k *apps.APIKeyPatch) {
		k.Fields = &[]apps.ConnectionField{
			{Name: "region", Label: "Region", Required: true},
			{Name: "account", Label: "Account SID", Required: true},
		}
		k.Probe.Path = strp("/{region}/models")
		k.Probe.KeyIn = placep(apps.KeyInBasic)
		k.Probe.BasicUsername = strp("{account}")
	})
	for _, tt := range []struct {
		fields map[string]string
		field  string
	}{
		{map[string]string{"region": "..", "account": "AC1"}, "fields.region"},
		{map[string]string{"region": ".", "account": "AC1"}, "fields.region"},
		{map[string]string{"region": "eu", "account": "AC1:x"}, "fields.account"},
	} {
		before := e.provider.hits.Load()
		_, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: app.ID, Owner: outbound.Owner{UserID: "ann"},
			APIKey: outbound.NewSecret(goodKey), Fields: tt.fields, Validate: true})
		var kre *outbound.InvalidError
		if !errors.As(err, &kre) || len(kre.Fields) != 1 || kre.Fields[0].Field != tt.field {
			t.Errorf("fields %v: err = %v, want a request error on %s only", tt.fields, err, tt.field)
		}
		if e.provider.hits.Load() != before {
			t.Errorf("fields %v: the probe was sent", tt.fields)
		}
	}
	e.noKeyLeaks(t, goodKey)
}
