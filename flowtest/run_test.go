package flowtest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/builtin"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/flowtest"
)

// TestWrongBranchNamesTheStepAndBothBranches runs a scenario that expects the pro branch of a
// choice the flow makes the other way.
func TestWrongBranchNamesTheStepAndBothBranches(t *testing.T) {
	t.Parallel()
	rep := run(t, flowtest.Options{Paths: []string{"testdata/wrong/plan.yaml"}})
	s := scenario(t, rep, "free plan")
	if !s.Failed() || len(s.Failures) != 1 {
		t.Fatalf("failures = %q", s.Failures)
	}
	msg := s.Messages()[0]
	for _, want := range []string{
		`scenario "free plan": at step "pick" the flow went to "done" (default branch) but the scenario expected "team"`,
		`conditions: form.plan == "pro" → false (form.plan = "free")`,
		`step "pick" goes to "team" when form.plan == "pro"`,
		`path [pick, done], expected [pick, team, done]`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if rep.OK() {
		t.Error("a report with failed scenarios must not be OK")
	}
}

// TestWrongScenariosSayWhy checks the whole report of scenarios that each expect something else.
func TestWrongScenariosSayWhy(t *testing.T) {
	t.Parallel()
	rep := run(t, flowtest.Options{Paths: []string{"testdata/wrong"}})
	if n := len(rep.Failed()); n != len(rep.Scenarios) {
		t.Errorf("%d of %d scenarios failed; every one is wrong", n, len(rep.Scenarios))
	}
	golden(t, "wrong.golden.txt", rep.String())
}

func TestLoadProblemsAreDiagnostics(t *testing.T) {
	t.Parallel()
	_, err := flowtest.Run(context.Background(), flowtest.Options{Registry: registry(t), Paths: []string{"testdata/wrong/plan.yaml", "testdata/errors"}})
	var ds flows.Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("err = %v, want flows.Diagnostics", err)
	}
	golden(t, "errors.golden.txt", filepath.ToSlash(ds.Error())+"\n")
}

func TestUnmockedActionPointsAtTheMock(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"unmocked.test.yaml": `
flow: lookup
scenarios:
  - name: forgot the mock
    expect:
      path: [find, pro]
`})
	rep := run(t, flowtest.Options{Paths: []string{"testdata/lookup/lookup.yaml", filepath.Join(dir, "unmocked.test.yaml")}})
	s := scenario(t, rep, "forgot the mock")
	all := strings.Join(s.Failures, "\n")
	if !strings.Contains(all, `step "find" (test.lookup) failed with an internal error and is not mocked`) {
		t.Fatalf("failures:\n%s", all)
	}
	if strings.Contains(all, errNoVault.Error()) {
		t.Error("the failure shows the internal error's cause, which may hold details not fit for reports")
	}
}

// A step that needs a service the test does not provide fails its scenario even when a catch
// routes its error on as the scenario expected: the run proves nothing about the flow.
func TestUnmockedActionFailsItsScenarioEvenWhenCaught(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"caught.test.yaml": `
flow: lookup
scenarios:
  - name: caught without the mock
    expect:
      path: [find, broken]
      status: failed
`})
	rep := run(t, flowtest.Options{Paths: []string{"testdata/lookup/lookup.yaml", filepath.Join(dir, "caught.test.yaml")}})
	s := scenario(t, rep, "caught without the mock")
	if !s.Failed() || !strings.Contains(strings.Join(s.Failures, "\n"), `step "find" (test.lookup) failed with an internal error and is not mocked`) {
		t.Fatalf("the scenario passed, or failed for another reason: %q", s.Failures)
	}
}

func TestMockedResultsFollowEachOther(t *testing.T) {
	t.Parallel()
	rep := run(t, flowtest.Options{Paths: []string{"testdata/lookup"}})
	s := scenario(t, rep, "a short outage is retried away")
	if s.Failed() || s.Status != "completed" {
		t.Fatalf("status %s, failures %q", s.Status, s.Failures)
	}
	find := s.Trace.Steps[0]
	if len(find.Retries) != 1 || find.Retries[0].Code != "provider_down" || find.Outcome != "found" {
		t.Fatalf("find = %+v", find)
	}
	// Each scenario has its own mocks: the outage of another scenario does not leak into this one.
	if o := scenario(t, rep, "a provider outage outlasts the retries"); len(o.Trace.Steps[0].Retries) != 2 {
		t.Errorf("outage retries = %+v", o.Trace.Steps[0].Retries)
	}
}

func TestScenarioReachesInputsSubjectAndClock(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"greet.yaml": `
id: greet
inputs:
  name: {type: string, required: true}
steps:
  done:
    end:
      output:
        text: ${{ "Hello " + input.name }}
        user: ${{ user.id }}
        tenant: ${{ tenant.id }}
        year: ${{ now.Year() }}
`,
		"greet.test.yaml": `
scenarios:
  - name: greets
    input: {name: Ada}
    user: u1
    tenant: acme
    expect:
      path: [done]
      status: completed
      output: {text: Hello Ada, user: u1, tenant: acme, year: 2031}
`,
	})
	rep := run(t, flowtest.Options{Paths: []string{dir}, Now: flowtest.DefaultNow().AddDate(5, 0, 0), RequireCoverage: true})
	if !rep.OK() {
		t.Fatalf("report:\n%s", rep)
	}
}

func TestScenarioFilesFindTheirFlow(t *testing.T) {
	t.Parallel()
	flow := "id: sign-up\nsteps:\n  done:\n    end: {output: {ok: true}}\n"
	scenarios := "scenarios:\n  - name: ends\n    expect: {output: {ok: true}}\n"
	dir := writeFiles(t, map[string]string{
		"signup.yaml":      flow,
		"signup.test.yaml": scenarios,
		"other.test.yaml":  "flow: sign-up\n" + scenarios,
	})
	for _, paths := range [][]string{
		{dir},
		{filepath.Join(dir, "signup.yaml")},
		{filepath.Join(dir, "other.test.yaml"), filepath.Join(dir, "signup.test.yaml")},
	} {
		rep := run(t, flowtest.Options{Paths: paths})
		if !rep.OK() || len(rep.Scenarios) == 0 || len(rep.Coverage) != 1 || rep.Coverage[0].Flow != "sign-up" {
			t.Errorf("paths %v: report:\n%s", paths, rep)
		}
	}
	_, err := flowtest.Run(context.Background(), flowtest.Options{Registry: registry(t), Paths: []string{writeFiles(t, map[string]string{"lonely.test.yaml": scenarios})}})
	if err == nil || !strings.Contains(err.Error(), "no flow file lonely.yaml next to this file") {
		t.Errorf("err = %v", err)
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := flowtest.Run(ctx, flowtest.Options{Paths: []string{"testdata/lookup"}}); err == nil {
		t.Error("no registry: want an error")
	}
	if _, err := flowtest.Run(ctx, flowtest.Options{Registry: registry(t), Paths: []string{"testdata/nowhere"}}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: err = %v", err)
	}
	if _, err := flowtest.Run(ctx, flowtest.Options{Registry: registry(t), Paths: []string{t.TempDir()}}); !errors.Is(err, flowtest.ErrNoScenarios) {
		t.Errorf("empty folder: err = %v", err)
	}
}

// Flows that run each other in a circle are refused before any scenario runs, as validate
// refuses them, naming the call.
func TestSubflowsThatRunEachOtherAreRefusedBeforeRunning(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"a.yaml":      "id: a\nsteps:\n  call:\n    action: flow\n    with: {flow: b}\n    next: done\n  done:\n    end: {}\n",
		"b.yaml":      "id: b\nsteps:\n  call:\n    action: flow\n    with: {flow: a}\n    next: done\n  done:\n    end: {}\n",
		"a.test.yaml": "flow: a\nscenarios:\n  - name: runs\n    expect: {status: completed}\n",
	})
	_, err := flowtest.Run(context.Background(), flowtest.Options{Registry: registry(t), Paths: []string{dir}})
	var ds flows.Diagnostics
	if !errors.As(err, &ds) || !strings.Contains(ds.Error(), `a.yaml:5:`) || !strings.Contains(ds.Error(), `which leads back to "a"`) {
		t.Fatalf("err = %v, want the cycle reported at a.yaml's call", err)
	}
}

// Pressing a button while the flow waits for a signal says what to do instead.
func TestPressingAtAWaitSaysToSignal(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"press.test.yaml": `
flow: approve-tenant-key
scenarios:
  - name: presses at the wait
    tenant: acme
    user: u1
    interactions:
      - press: ask
        with: {reason: experiments}
      - press: continue
`})
	reg := actions.NewRegistry()
	if err := builtin.Register(reg, builtin.Deps{}); err != nil {
		t.Fatal(err)
	}
	rep, err := flowtest.Run(context.Background(), flowtest.Options{Registry: reg,
		Paths: []string{"../examples/flows/approve-tenant-key.yaml", filepath.Join(dir, "press.test.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	s := scenario(t, rep, "presses at the wait")
	if !strings.Contains(strings.Join(s.Failures, "\n"), `step "approval" waits for a signal, not for a screen; answer it with `+"`signal:`") {
		t.Fatalf("failures: %q", s.Failures)
	}
}

// The built-in kinds that need a service (a token vault, an API-key store, a request proxy) fail
// as the host's mistake when the registry has none, so a scenario that reaches one unmocked says
// to mock it, even when the flow catches every error.
func TestUnmockedBuiltinKindsPointAtTheMock(t *testing.T) {
	t.Parallel()
	reg := actions.NewRegistry()
	if err := builtin.Register(reg, builtin.Deps{}); err != nil {
		t.Fatal(err)
	}
	for kind, with := range map[string]string{
		"outbound.token":   "{app: crm}",
		"outbound.connect": "{app: crm}",
		"apikey.check":     "{app: openai}",
		"http.request":     "{app: crm, path: /contacts}",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dir := writeFiles(t, map[string]string{
				"f.yaml":      "id: f\nsteps:\n  use:\n    action: " + kind + "\n    with: " + with + "\n    next: done\n    catch: {any: done}\n  done:\n    end: {}\n",
				"f.test.yaml": "scenarios:\n  - name: forgot the mock\n    user: u1\n    expect: {path: [use, done]}\n",
			})
			rep := run(t, flowtest.Options{Registry: reg, Paths: []string{dir}})
			s := scenario(t, rep, "forgot the mock")
			want := `step "use" (` + kind + `) failed with an internal error and is not mocked`
			if !s.Failed() || !strings.Contains(strings.Join(s.Failures, "\n"), want) {
				t.Fatalf("failures %q, want one saying %q", s.Failures, want)
			}
		})
	}
}
