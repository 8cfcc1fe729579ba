package flowtest_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/flowtest"
)

func TestCoverageCountsEveryKindOfBranch(t *testing.T) {
	t.Parallel()
	rep := run(t, flowtest.Options{Paths: []string{"testdata/lookup"}, RequireCoverage: true})
	for _, s := range rep.Scenarios {
		if s.Failed() {
			t.Errorf("%s", strings.Join(s.Messages(), "\n"))
		}
	}
	if len(rep.Coverage) != 1 {
		t.Fatalf("coverage = %+v", rep.Coverage)
	}
	c := rep.Coverage[0]
	taken := map[string]int{}
	for _, e := range c.Edges {
		taken[e.String()] = e.Taken
	}
	want := map[string]int{
		"find → nobody (on missing)":                        1,
		`find → pro (when steps.find.output.plan == "pro")`: 2,
		"find → basic (default)":                            1,
		"find → sorry (catch provider_down)":                1,
		"find → broken (catch any)":                         0,
		"nobody → basic (next)":                             1,
	}
	if len(taken) != len(want) {
		t.Errorf("edges = %v, want %v", taken, want)
	}
	for k, n := range want {
		if got, ok := taken[k]; !ok || got != n {
			t.Errorf("edge %s taken %d times (present %v), want %d", k, got, ok, n)
		}
	}
	if got := c.String(); got != "lookup: 5/6 branches; never taken: find → broken (catch any)" {
		t.Errorf("coverage = %s", got)
	}
	if c.Complete() || rep.OK() || len(rep.Incomplete()) != 1 {
		t.Error("a branch never taken must fail a run that requires full coverage")
	}
	rep.RequireCoverage = false
	if !rep.OK() {
		t.Error("without RequireCoverage, passing scenarios make the run OK")
	}
}

func TestAFlowWithoutScenariosIsNotCovered(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"hello.yaml": "id: hello\nsteps:\n  done:\n    end: {}\n"})
	rep := run(t, flowtest.Options{Paths: []string{dir}, RequireCoverage: true})
	if len(rep.Coverage) != 1 || rep.Coverage[0].Complete() || rep.OK() {
		t.Fatalf("coverage = %+v", rep.Coverage)
	}
	if got := rep.Coverage[0].String(); got != "hello: 0/0 branches; no scenarios" {
		t.Errorf("coverage = %s", got)
	}
}

func TestEdgeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		edge flowtest.Edge
		want string
	}{
		{flowtest.Edge{From: "pick", To: "cancelled", Via: flowtest.ViaOn, Key: "cancel"}, "pick → cancelled (on cancel)"},
		{flowtest.Edge{From: "pick", To: "done", Via: flowtest.ViaDefault}, "pick → done (default)"},
		{flowtest.Edge{From: "a", To: "b", Via: flowtest.ViaNext}, "a → b (next)"},
		{flowtest.Edge{From: "a", To: "b", Via: flowtest.ViaCatch, Key: "timeout"}, "a → b (catch timeout)"},
		{
			flowtest.Edge{From: "team", To: "too_many", Via: flowtest.ViaWhen, Key: "steps.team.output.seats < 2 || steps.team.output.seats > 500"},
			"team → too_many (when steps.team.output.seats < 2 || steps.team.output ...)",
		},
	}
	for _, tt := range tests {
		if got := tt.edge.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

const (
	findPlan = `id: find-plan
steps:
  find:
    action: test.lookup
    on:
      missing: none
    next:
      - when: steps.find.output.plan == "pro"
        goto: pro
      - goto: basic
  none:
    end: {}
  pro:
    end: {}
  basic:
    end: {}
`
	signup = `id: signup
steps:
  plan:
    action: flow
    with: {flow: find-plan}
    on: {none: welcome, pro: welcome, basic: welcome}
  welcome:
    end: {}
`
	realRun = `
  - name: the sub-flow runs for real
    mock:
      plan/find: {outcome: found, output: {plan: pro}}
    expect:
      path: [plan, plan/find, plan/pro, plan, welcome]
`
	mockedRun = `
  - name: the sub-flow is mocked
    mock:
      plan: {outcome: basic}
    expect:
      path: [plan, welcome]
`
)

// coverageOf returns the coverage of flow id in rep.
func coverageOf(t *testing.T, rep *flowtest.Report, id string) flowtest.Coverage {
	t.Helper()
	for _, c := range rep.Coverage {
		if c.Flow == id {
			return c
		}
	}
	t.Fatalf("no coverage of %s in %+v", id, rep.Coverage)
	return flowtest.Coverage{}
}

func TestASubflowRunForRealCoversItsBranches(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"find-plan.yaml": findPlan, "signup.yaml": signup,
		"signup.test.yaml": "flow: signup\nscenarios:" + realRun + mockedRun})
	rep := run(t, flowtest.Options{Paths: []string{filepath.Join(dir, "signup.yaml"), filepath.Join(dir, "signup.test.yaml")}, RequireCoverage: true})
	for _, s := range rep.Scenarios {
		if s.Failed() {
			t.Fatalf("%s", strings.Join(s.Messages(), "\n"))
		}
	}
	if len(rep.Coverage) != 2 || rep.Coverage[0].Flow != "signup" || rep.Coverage[1].Flow != "find-plan" {
		t.Fatalf("coverage = %+v, want signup then the sub-flow it runs", rep.Coverage)
	}
	// The parent's step: the real run ended at pro, the mock at basic.
	if got := coverageOf(t, rep, "signup").String(); got != "signup: 2/3 branches; never taken: plan → welcome (on none)" {
		t.Errorf("parent coverage = %s", got)
	}
	// The sub-flow: only the real run counts, with its own step ids.
	sub := coverageOf(t, rep, "find-plan")
	if sub.Scenarios != 1 || sub.AsSubflow != 1 {
		t.Errorf("sub-flow run by %d scenarios, %d as a sub-flow; want 1, 1", sub.Scenarios, sub.AsSubflow)
	}
	want := "find-plan: 1/3 branches (1 of 1 scenarios run it as a sub-flow); never taken: find → none (on missing), find → basic (default)"
	if got := sub.String(); got != want {
		t.Errorf("sub-flow coverage = %s\nwant %s", got, want)
	}
	if rep.OK() {
		t.Error("branches of the sub-flow never taken must fail a run that requires full coverage")
	}
	if !strings.Contains(rep.String(), "✗ find-plan: 1/3 branches") {
		t.Errorf("the report does not show the sub-flow's coverage:\n%s", rep)
	}
}

func TestAMockedSubflowCoversOnlyTheStepRunningIt(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"find-plan.yaml": findPlan, "signup.yaml": signup,
		"signup.test.yaml": "flow: signup\nscenarios:" + mockedRun})
	rep := run(t, flowtest.Options{Paths: []string{filepath.Join(dir, "signup.yaml"), filepath.Join(dir, "signup.test.yaml")}, RequireCoverage: true})
	if got := coverageOf(t, rep, "signup").Taken(); got != 1 {
		t.Errorf("parent branches taken = %d, want 1", got)
	}
	if got := coverageOf(t, rep, "find-plan").String(); got != "find-plan: 0/3 branches; no scenarios" {
		t.Errorf("sub-flow coverage = %s", got)
	}
}

func TestSubflowCoverageAddsItsOwnScenariosAndRealRuns(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"find-plan.yaml": findPlan, "signup.yaml": signup,
		"signup.test.yaml": "flow: signup\nscenarios:" + realRun + mockedRun + `
  - name: nobody found
    mock:
      plan/find: {outcome: missing}
    expect:
      path: [plan, plan/find, plan/none, plan, welcome]
`,
		"find-plan.test.yaml": `flow: find-plan
scenarios:
  - name: basic
    mock:
      find: {outcome: found, output: {plan: team}}
    expect:
      path: [find, basic]
`})
	rep := run(t, flowtest.Options{Paths: []string{dir}, RequireCoverage: true})
	sub := coverageOf(t, rep, "find-plan")
	if !sub.Complete() || sub.Scenarios != 3 || sub.AsSubflow != 2 {
		t.Errorf("sub-flow coverage = %s (%d scenarios, %d as a sub-flow); want complete from 3, 2 of them as a sub-flow", sub, sub.Scenarios, sub.AsSubflow)
	}
	if !rep.OK() {
		t.Errorf("report:\n%s", rep)
	}
}
