package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store/storetest"
)

// quote is a host action's declared output.
type quote struct {
	Total    float64  `json:"total"`
	Currency string   `json:"currency"`
	Lines    []string `json:"lines"`
}

// quoteKind declares its outputs from quote and outputs whatever out returns.
func quoteKind(out map[string]any) actions.Kind {
	return actions.Define(actions.Kind{Name: "host.quote", Outputs: actions.TypeOf(quote{})},
		func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
			return actions.Done(actions.Success, out), nil
		})
}

const quoteFlow = `
id: quote
steps:
  price:
    action: host.quote
    catch: {output: wrong}
    next:
      - when: steps.price.output.total > 100
        goto: big
      - goto: small
  big:
    end: {output: {size: big}}
  small:
    end: {output: {size: small}}
  wrong:
    end: {output: {size: unknown}}
`

// An output that does not match its kind's declaration fails the step with code output, saying
// what is wrong, instead of letting a later condition take the wrong branch.
func TestAnOutputMustMatchItsDeclaration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		out  map[string]any
		want string
	}{
		{"misspelt key", map[string]any{"totl": 250}, `unknown key "totl" (did you mean "total"?)`},
		{"wrong type", map[string]any{"total": "250"}, `total: expected a number, got a string`},
		{"wrong item", map[string]any{"total": 250, "lines": []any{"a", 2}}, `lines: item 1: expected a string, got a number`},
		{"a struct of another shape", map[string]any{"total": 250, "lines": map[string]any{"a": 1}}, `lines: expected a list, got an object`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, storetest.New(t), quoteKind(c.out))
			b.add(t, b.engine, "quote.yaml", quoteFlow)
			r := mustStart(t, b.engine, "quote", nil)
			if r.Status != engine.StatusCompleted || r.Output["size"] != "unknown" {
				t.Fatalf("got %s %+v %+v, want the catch of code output taken", r.Status, r.Output, r.Error)
			}
			codes, messages := failures(t, b.engine, r.ExecutionID)
			if len(codes) != 1 || codes[0] != actions.CodeOutput || !strings.Contains(messages[0], c.want) || !strings.Contains(messages[0], "host.quote") {
				t.Fatalf("failed steps = %v %q, want one output failure saying %s", codes, messages, c.want)
			}
			if strings.Contains(messages[0], "250") {
				t.Errorf("the message %q quotes a value", messages[0])
			}
		})
	}
}

// An output that matches, as the Go struct it is declared from or as a map, runs on; keys it leaves
// out read as their zero values.
func TestAnOutputThatMatchesItsDeclarationRunsOn(t *testing.T) {
	t.Parallel()
	for _, out := range []map[string]any{
		{"total": 250, "currency": "EUR", "lines": []string{"a"}},
		{"total": float32(250)},
	} {
		b := setup(t, storetest.New(t), quoteKind(out))
		b.add(t, b.engine, "quote.yaml", quoteFlow)
		r := mustStart(t, b.engine, "quote", nil)
		if r.Status != engine.StatusCompleted || r.Output["size"] != "big" {
			t.Fatalf("output %v: got %s %+v %+v", out, r.Status, r.Output, r.Error)
		}
	}
}
