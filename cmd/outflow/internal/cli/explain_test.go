package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/engine/explain"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// freePlanExecution runs the example choose-plan flow on st to its end with the free plan.
func freePlanExecution(t *testing.T, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	reg, err := registry(nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := flows.NewLoader(reg).LoadFile(root + "examples/flows/choose-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Store: st, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.AddFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	r, err := eng.Start(ctx, "choose-plan", engine.StartRequest{Subject: actions.Subject{UserID: "u1"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err = eng.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: r.StepID, Interaction: "continue", Input: map[string]any{"plan": "free", "email": "ada@example.com"}, Nonce: r.Nonce})
	if err != nil || r.Status != engine.StatusCompleted {
		t.Fatalf("next: %v %+v", err, r)
	}
	return r.ExecutionID
}

func TestExplainExecution(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	id := freePlanExecution(t, st)
	var out bytes.Buffer
	if err := explainExecution(context.Background(), st, id, false, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"execution " + id + " · flow choose-plan version 1 · user u1",
		"1. pick (screen)",
		`line 36: form.plan == "pro" → false (form.plan = "free")`,
		"→ done (default branch)",
		"2. done (end)",
		"status completed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := explainExecution(context.Background(), st, id, true, &out); err != nil {
		t.Fatal(err)
	}
	var x explain.Explanation
	if err := json.Unmarshal(out.Bytes(), &x); err != nil || x.ExecutionID != id || len(x.Steps) != 2 || x.Steps[0].Branches[0].Goto != "done" {
		t.Fatalf("json: %v\n%s", err, out.String())
	}
	err := explainExecution(context.Background(), st, "nope", false, &out)
	if err == nil || !strings.Contains(err.Error(), `no execution "nope"`) {
		t.Errorf("unknown execution: err = %v", err)
	}
}

func TestExplainNeedsRedis(t *testing.T) {
	t.Parallel()
	code, _, errOut := runCLI(t, nil, "explain", "abc")
	if code != 2 || !strings.Contains(errOut, "set --redis or REDIS_URL") {
		t.Errorf("no Redis: exit %d, %s", code, errOut)
	}
	if code, _, _ := runCLI(t, nil, "explain"); code != 2 {
		t.Errorf("no id: exit %d, want 2", code)
	}
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, errOut = runCLI(t, map[string]string{"REDIS_URL": "redis://" + addr + "/0?dial_timeout=200ms&max_retries=0"}, "explain", "abc")
	if code != 1 || !strings.Contains(errOut, "unavailable") {
		t.Errorf("unreachable Redis: exit %d, %s", code, errOut)
	}
}

// TestExplainOnRealRedis runs the command end to end against the Redis of OUTFLOW_TEST_REDIS_URL.
func TestExplainOnRealRedis(t *testing.T) {
	t.Parallel()
	st := storetest.Real(t)
	id := freePlanExecution(t, st)
	url := os.Getenv(storetest.EnvRedisURL)
	code, out, errOut := runCLI(t, nil, "explain", id, "--redis", url, "--prefix", st.Keys().Prefix())
	if code != 0 || !strings.Contains(out, "→ done (default branch)") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("outflow explain %s:\n%s", id, out)
}
