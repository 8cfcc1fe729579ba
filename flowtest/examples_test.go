package flowtest_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/builtin"
	"github.com/outflowhq/outflow/flowtest"
)

// TestExampleFlows runs the scenarios of every example flow and requires every branch of every
// example to be taken: a new example without a scenario file, or with a branch no scenario takes,
// fails here.
func TestExampleFlows(t *testing.T) {
	reg := actions.NewRegistry()
	if err := builtin.Register(reg, builtin.Deps{}); err != nil {
		t.Fatal(err)
	}
	rep := flowtest.Test(t, flowtest.Options{
		Registry: reg, Paths: []string{"../examples/flows"}, RequireCoverage: true,
		Logger: slog.New(slog.DiscardHandler),
	})
	if len(rep.Coverage) < 2 {
		t.Errorf("coverage of %d example flows, want every one", len(rep.Coverage))
	}
}

func ExampleRun() {
	reg := actions.NewRegistry()
	if err := builtin.Register(reg, builtin.Deps{}); err != nil {
		panic(err)
	}
	rep, err := flowtest.Run(context.Background(), flowtest.Options{
		Registry: reg,
		Paths:    []string{"../examples/flows/choose-plan.yaml"}, // and its choose-plan.test.yaml
	})
	if err != nil {
		panic(err) // a flows.Diagnostics: every problem as file:line:col
	}
	for _, s := range rep.Scenarios {
		fmt.Println(s.Failed(), s.Name, s.Path)
	}
	fmt.Println(rep.Coverage[0])
	fmt.Println(rep.OK())
	// Output:
	// false the free plan goes straight to the end [pick done]
	// false pro teams are asked for their size [pick team done]
	// false a team of one is asked again [pick team done]
	// false cancel skips the checks [pick cancelled]
	// false an abandoned choice expires after 30 minutes [pick]
	// choose-plan: 4/4 branches
	// true
}
