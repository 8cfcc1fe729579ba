package apikey_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/apikey"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/store/storetest"
)

const checkFlow = `
id: check-key
steps:
  look:
    action: apikey.check
    with:
      app: openai
    on:
      found: found
      missing: missing
  found:
    end:
      output:
        exists: ${{ steps.look.output.exists }}
        version: ${{ steps.look.output.version }}
        age: ${{ steps.look.output.ageSeconds }}
        last4: ${{ steps.look.output.last4 }}
  missing:
    end:
      output:
        exists: ${{ steps.look.output.exists }}
`

func TestCheckTellsWhetherAKeyIsOnFile(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	e.createApp(t, "openai", nil)
	e.load(t, "check-key.yaml", checkFlow)
	ctx := context.Background()

	_, r := e.start(t, "check-key", ann)
	if r.Status != engine.StatusCompleted || r.Output["exists"] != false {
		t.Fatalf("without a key: status %s output %+v error %+v", r.Status, r.Output, r.Error)
	}

	if _, err := e.keys.Put(ctx, apikeys.PutRequest{AppID: "openai", Owner: outbound.Owner{UserID: ann.UserID, TenantID: ann.TenantID}, APIKey: outbound.NewSecret(goodKey)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(90 * time.Minute)
	rn, r := e.start(t, "check-key", actions.Subject{UserID: "ann"})
	want := map[string]any{"exists": true, "version": float64(1), "age": float64(5400), "last4": "GHIJ"}
	for k, v := range want {
		if r.Output[k] != v {
			t.Errorf("output[%s] = %#v, want %#v", k, r.Output[k], v)
		}
	}
	rn.noLeaks(t, goodKey)
}

func TestKindsAppearInTheFlowSchema(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.New(t))
	reg := actions.NewRegistry()
	if err := apikey.Register(reg, e.keys); err != nil {
		t.Fatal(err)
	}
	schema, err := flows.Schema(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"apikey.collect"`, `"apikey.check"`, `"tenant"`} {
		if !strings.Contains(string(schema), want) {
			t.Errorf("the schema does not mention %s", want)
		}
	}
}
