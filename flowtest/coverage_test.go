package flowtest_test

import (
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
