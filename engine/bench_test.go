package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/store"
	"github.com/outflowhq/outflow/store/storetest"
)

// benchFlow pauses at a screen, then runs one action step (set) and one condition before pausing
// again: one Next is one step transition.
const benchFlow = `
id: bench
steps:
  ask:
    screen:
      fields: [{name: plan, label: Plan}]
      buttons: [{id: go}]
    next: compute
  compute:
    action: set
    with:
      pro: ${{ form.plan == "pro" }}
    next:
      - when: steps.compute.output.pro && form.plan != ""
        goto: ask
      - goto: ask
`

// benchStores runs fn on the embedded store and, when configured, on real Redis.
func benchStores(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("embedded", func(b *testing.B) { fn(b, storetest.New(b)) })
	b.Run("redis", func(b *testing.B) { fn(b, storetest.Real(b)) })
}

// BenchmarkStep measures one transition through an action step and a condition (Next: claim, run,
// compare-and-set). BenchmarkBaselineRoundTrips measures the two bare Redis round trips any
// transition needs (an HGET and an HSET), on the same store, as the baseline to compare with.
func BenchmarkStep(b *testing.B) {
	benchStores(b, func(b *testing.B, s *store.Store) {
		bb := setup(b, s)
		bb.add(b, bb.engine, "bench.yaml", benchFlow)
		r := mustStart(b, bb.engine, "bench", nil)
		in := map[string]any{"plan": "pro"}
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			next, err := bb.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: r.StepID, Interaction: "go", Input: in, Nonce: r.Nonce})
			if err != nil {
				b.Fatal(err)
			}
			r = next
		}
	})
}

func BenchmarkBaselineRoundTrips(b *testing.B) {
	benchStores(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		c := s.Client()
		key := s.Keys().Execution("baseline")
		payload := make([]byte, 1500)
		c.HSet(ctx, key, "rev", 1, "data", payload)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := c.HGet(ctx, key, "data").Err(); err != nil {
				b.Fatal(err)
			}
			if err := c.HSet(ctx, key, "data", payload).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStepInterleaved alternates one transition (as BenchmarkStep) and the two bare round
// trips of BenchmarkBaselineRoundTrips, so a busy machine slows both alike, and reports the
// transition's throughput relative to the round trips' ("throughput-ratio": 1 means a transition
// costs no more than the two round trips it needs).
func BenchmarkStepInterleaved(b *testing.B) {
	benchStores(b, func(b *testing.B, s *store.Store) {
		bb := setup(b, s)
		bb.add(b, bb.engine, "bench.yaml", benchFlow)
		r := mustStart(b, bb.engine, "bench", nil)
		in := map[string]any{"plan": "pro"}
		ctx := context.Background()
		c := s.Client()
		key := s.Keys().Execution("baseline")
		payload := make([]byte, 1500)
		c.HSet(ctx, key, "rev", 1, "data", payload)
		var step, base time.Duration
		b.ResetTimer()
		for b.Loop() {
			t0 := time.Now()
			next, err := bb.engine.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: r.StepID, Interaction: "go", Input: in, Nonce: r.Nonce})
			if err != nil {
				b.Fatal(err)
			}
			r = next
			t1 := time.Now()
			if err := c.HGet(ctx, key, "data").Err(); err != nil {
				b.Fatal(err)
			}
			if err := c.HSet(ctx, key, "data", payload).Err(); err != nil {
				b.Fatal(err)
			}
			step += t1.Sub(t0)
			base += time.Since(t1)
		}
		b.ReportMetric(float64(step.Nanoseconds())/float64(b.N), "step-ns")
		b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "roundtrips-ns")
		b.ReportMetric(float64(base)/float64(step), "throughput-ratio")
	})
}

// BenchmarkCondition measures evaluating one compiled condition against an execution's scope;
// BenchmarkConditionNative is the same comparison written in Go over the same maps, as the baseline.
func BenchmarkCondition(b *testing.B) {
	cond, scope := benchCondition(b)
	b.ReportAllocs()
	for b.Loop() {
		ok, err := cond.Eval(scope)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkConditionNative(b *testing.B) {
	_, scope := benchCondition(b)
	b.ReportAllocs()
	for b.Loop() {
		steps := scope["steps"].(map[string]any)
		out := steps["compute"].(map[string]any)["output"].(map[string]any)
		form := scope["form"].(map[string]any)
		if !(out["pro"].(bool) && form["plan"].(string) != "") {
			b.Fatal("false")
		}
	}
}

func benchCondition(b *testing.B) (*flows.Condition, map[string]any) {
	bb := setup(b, storetest.New(b))
	f, err := bb.loader.Load("bench.yaml", []byte(benchFlow))
	if err != nil {
		b.Fatal(err)
	}
	step, _ := f.Step("compute")
	results := map[string]map[string]any{"compute": {"output": map[string]any{"pro": true}, "outcome": "success"}}
	scope := f.NewScope(flows.ScopeValues{Input: map[string]any{}, Results: results, Form: map[string]any{"plan": "pro"}, Interaction: "go", Subject: actions.Subject{UserID: "u1"}, Now: epoch})
	return step.Next[0].When, scope
}
