package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/events"
	"github.com/outflowhq/outflow/outbound/oauth"
	"github.com/outflowhq/outflow/server"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// sizingN is how many of each thing TestSizing makes: the figures are averages, so the fixed
// cost of a set or a stream shared by many spreads out as it does in a real deployment.
const sizingN = 200

// maxPausedBytes is the most a paused two-screen execution's record and events may take in
// Redis (its one-time link and expiry schedule entry come on top, and are printed).
const maxPausedBytes = 2048

// clusterKeyOverhead is what a Redis 7 Cluster node adds to each key's memory: the links of its
// slot's list of keys.
const clusterKeyOverhead = 16

// TestSizing measures, on the real Redis, what Outflow keeps per paused and per finished
// execution of a two-screen flow (examples/flows/choose-plan.yaml, started and finished over
// HTTP as `outflow serve` runs it), per OAuth connection, per API key and per event on the
// stream, with MEMORY USAGE summed over every key of the deployment's prefix, and prints them.
// The README's sizing formula takes its numbers from here:
//
//	OUTFLOW_TEST_REDIS_URL=redis://127.0.0.1:6379/0 go test ./server/ -run TestSizing -v
func TestSizing(t *testing.T) {
	st := storetest.Real(t)
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Store: st, Registry: reg, Logger: quiet, PublishEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../examples/flows/choose-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := flows.NewLoader(reg).Load("choose-plan.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.AddFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	_, appReg := setup(t, apps.Options{Store: st, Logger: quiet})
	vault, err := oauth.NewVault(appReg, oauth.VaultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vault.Close() })
	keys := apikeys.NewAPIKeys(appReg)
	srv := httptest.NewServer(newServer(t, server.Options{Store: st, Apps: appReg, Engine: eng, Vault: vault, APIKeys: keys,
		ManagementKeys: []string{benchKey}, Logger: quiet}))
	t.Cleanup(srv.Close)
	sizingApps(t, appReg)

	measure := func(what string, fn func(i int)) float64 {
		t.Helper()
		before := usedBytes(t, st)
		for i := range sizingN {
			fn(i)
		}
		per := float64(usedBytes(t, st)-before) / sizingN
		t.Logf("%-48s %6.0f bytes", what, per)
		return per
	}
	type started struct {
		ExecutionID string `json:"executionId"`
		StepID      string `json:"stepId"`
		Nonce       string `json:"nonce"`
	}
	var runs []started
	t.Logf("Redis memory per item, averaged over %d (MEMORY USAGE of every key under the prefix):", sizingN)
	paused := measure("paused execution (record, events, link, expiry)", func(int) {
		var s started
		postJSON(t, srv.URL+"/v1/flows/choose-plan/start", map[string]any{"userId": "ada"}, &s)
		runs = append(runs, s)
	})
	one := runs[0].ExecutionID
	rec, evs := memoryUsage(t, st, st.Keys().Execution(one)), memoryUsage(t, st, st.Keys().ExecutionEvents(one))
	t.Logf("  of which the record %d, its events %d (one paused execution)", rec, evs)
	// A Redis Cluster node keeps slot bookkeeping with every key (16 bytes each in Redis 7), which
	// MEMORY USAGE counts: the bound is on what Outflow stores, so it leaves that out.
	overhead := int64(0)
	if _, cluster := st.Client().(*redis.ClusterClient); cluster {
		overhead = 2 * clusterKeyOverhead
	}
	if rec+evs-overhead > maxPausedBytes {
		t.Errorf("a paused two-screen execution's record and events take %d bytes (%d of them cluster bookkeeping), over %d", rec+evs, overhead, maxPausedBytes)
	}
	finished := measure("  finishing it adds (events, execution.completed)", func(i int) {
		s := runs[i]
		postJSON(t, srv.URL+"/v1/executions/"+s.ExecutionID+"/next", map[string]any{"stepId": s.StepID, "interaction": "continue",
			"nonce": s.Nonce, "input": map[string]any{"plan": "free", "email": "ada@example.com"}}, nil)
	})
	t.Logf("%-48s %6.0f bytes, for its finished retention", "finished execution", paused+finished)
	t.Logf("  of which the record %d, its events %d (one finished execution; its link is gone)",
		memoryUsage(t, st, st.Keys().Execution(one)), memoryUsage(t, st, st.Keys().ExecutionEvents(one)))
	measure("OAuth connection (tokens, indexes)", func(i int) {
		if _, err := vault.Import(ctx, oauth.ImportRequest{AppID: "crm", Owner: outbound.Owner{UserID: fmt.Sprintf("user-%d", i)},
			AccessToken: "at-" + fmt.Sprint(i) + "-0123456789abcdef0123456789abcdef", RefreshToken: "rt-0123456789abcdef0123456789abcdef",
			ExpiresAt: time.Now().Add(time.Hour), Scopes: []string{"contacts.read"}}); err != nil {
			t.Fatal(err)
		}
	})
	measure("API key (sealed key, indexes)", func(i int) {
		if _, err := keys.Put(ctx, apikeys.PutRequest{AppID: "llm", Owner: outbound.Owner{UserID: fmt.Sprintf("user-%d", i)},
			APIKey: outbound.NewSecret(fmt.Sprintf("sk-%040d", i))}); err != nil {
			t.Fatal(err)
		}
	})
	measure("event on the stream (connection.connected)", func(i int) {
		if _, err := events.Publish(ctx, st, 0, events.Event{Type: events.ConnectionConnected, AppID: "crm",
			Owner: outbound.Owner{UserID: fmt.Sprintf("user-%d", i)}, ConnectionID: fmt.Sprintf("conn-%020d", i)}); err != nil {
			t.Fatal(err)
		}
	})
}

// sizingApps creates the OAuth app "crm" and the API-key app "llm".
func sizingApps(t *testing.T, reg *apps.Apps) {
	t.Helper()
	ctx := context.Background()
	str := func(s string) *string { return &s }
	oauth2, apikey := apps.KindOAuth2, apps.KindAPIKey
	if _, err := reg.Create(ctx, apps.AppPatch{ID: str("crm"), Kind: &oauth2, Name: str("CRM"), ClientID: str("c"),
		AuthorizationURL: str("https://crm.example.com/authorize"), TokenURL: str("https://crm.example.com/token")}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Create(ctx, apps.AppPatch{ID: str("llm"), Kind: &apikey, Name: str("LLM"),
		APIKey: &apps.APIKeyPatch{Label: str("API key"), BaseURL: str("https://llm.example.com")}}); err != nil {
		t.Fatal(err)
	}
}

// postJSON posts body with the bench key and decodes a 200 answer into out (when not nil).
func postJSON(t *testing.T, url string, body, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Content-Type", "application/json")
	r := do(t, http.DefaultClient, req)
	if r.status != http.StatusOK {
		t.Fatalf("%s: %d %s", url, r.status, r.body)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(r.body), out); err != nil {
			t.Fatal(err)
		}
	}
}

// usedBytes sums MEMORY USAGE over every key of the store's prefix.
func usedBytes(t *testing.T, st *store.Store) int64 {
	t.Helper()
	var total int64
	if err := st.Scan(context.Background(), st.Keys().Pattern(), func(k string) error {
		total += memoryUsage(t, st, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return total
}

// memoryUsage is MEMORY USAGE key SAMPLES 0 (every element counted), 0 for a missing key.
func memoryUsage(t *testing.T, st *store.Store, key string) int64 {
	t.Helper()
	n, err := st.Client().MemoryUsage(context.Background(), key, 0).Result()
	if err != nil && err.Error() != "redis: nil" {
		t.Fatal(err)
	}
	return n
}
