package flowtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/flowtest"
)

// quote is what test.quote declares it outputs.
type quote struct {
	Total float64 `json:"total"`
}

// A scenario that runs a real action whose output does not match its declaration fails, saying
// what is wrong with the output, instead of passing down a branch the flow's author did not mean.
func TestARealActionWithAnUndeclaredOutputFailsItsScenario(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	misspelt := actions.Define(actions.Kind{Name: "test.quote", Outputs: actions.TypeOf(quote{})},
		func(context.Context, *actions.Call, *struct{}) (actions.Result, error) {
			return actions.Done(actions.Success, map[string]any{"totl": 250}), nil
		})
	if err := reg.Add(misspelt); err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{
		"quote.yaml": `
id: quote
steps:
  price:
    action: test.quote
    next:
      - when: steps.price.output.total > 100
        goto: big
      - goto: small
  big:
    end: {output: {size: big}}
  small:
    end: {output: {size: small}}
`,
		"quote.test.yaml": `
flow: quote
scenarios:
  - name: a big quote
    expect:
      path: [price, big]
      output: {size: big}
`,
	})
	rep := run(t, flowtest.Options{Registry: reg, Paths: []string{dir}})
	s := scenario(t, rep, "a big quote")
	all := strings.Join(s.Failures, "\n")
	if !s.Failed() || !strings.Contains(all, `unknown key "totl" (did you mean "total"?)`) {
		t.Fatalf("failures:\n%s", all)
	}
}
