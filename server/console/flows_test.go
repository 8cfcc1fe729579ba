package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/server/console"
)

const signupFlow = `
id: signup
description: Sign a person up.
inputs:
  plan: {type: string, default: free, description: The plan offered first}
steps:
  about:
    screen:
      title: Tell us about you
      fields:
        - {name: name, label: Your name, required: true}
        - {name: password, label: Password, secret: true, required: true}
      buttons:
        - {id: continue, label: Continue}
        - {id: cancel, label: Cancel, noValidate: true}
    on:
      cancel: cancelled
    next:
      - when: steps.about.output.name == "admin"
        goto: cancelled
      - goto: done
  done:
    end: {title: Welcome aboard}
  cancelled:
    end: {title: Nothing was saved}
`

func TestFlowAndExecutionPagesExplainWithoutSecrets(t *testing.T) {
	t.Parallel()
	var eng *engine.Engine
	e := setup(t, nil, func(o *console.Options) {
		reg := actions.NewRegistry()
		if err := core.Register(reg); err != nil {
			t.Fatal(err)
		}
		var err error
		if eng, err = engine.New(engine.Options{Store: o.Store, Registry: reg}); err != nil {
			t.Fatal(err)
		}
		f, err := flows.NewLoader(reg).Load("signup.yaml", []byte(signupFlow))
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.AddFlow(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		o.Engine = eng
		o.Coverage = func(id string) string { return "3/4 branches" }
	})
	ctx := context.Background()
	resp, err := eng.Start(ctx, "signup", engine.StartRequest{Subject: actions.Subject{UserID: "ada"}})
	if err != nil {
		t.Fatal(err)
	}
	const password = "pw-never-shown-4242"
	if _, err := eng.Next(ctx, resp.ExecutionID, engine.NextRequest{StepID: "about", Interaction: "continue", Nonce: resp.Nonce,
		Input: map[string]any{"name": "Ada", "password": password}}); err != nil {
		t.Fatal(err)
	}

	b := e.browser()
	b.session()
	list := b.get("/flows")
	if !strings.Contains(list.body, "Sign a person up.") || !strings.Contains(list.body, "3/4 branches") {
		t.Errorf("flow list: %s", list.body)
	}
	flow := b.get("/flows/signup")
	for _, want := range []string{"<svg", "The plan offered first", "goes to done", "Mermaid source", resp.ExecutionID, "completed"} {
		if !strings.Contains(flow.body, want) {
			t.Errorf("the flow page lacks %q", want)
		}
	}
	exec := b.get("/executions/" + resp.ExecutionID)
	if exec.status != http.StatusOK || !strings.Contains(exec.body, "step.completed") || !strings.Contains(exec.body, "done") {
		t.Fatalf("execution page: %d %s", exec.status, exec.body)
	}
	if strings.Contains(exec.body, password) || strings.Contains(flow.body, password) {
		t.Error("a secret field's value is on a page")
	}
	if p := b.get("/executions"); !strings.Contains(p.body, resp.ExecutionID) {
		t.Error("the execution is not listed")
	}
	if p := b.get("/executions/nope"); p.status != http.StatusNotFound {
		t.Errorf("an unknown execution: %d", p.status)
	}
	if p := b.get("/flows/nope"); p.status != http.StatusNotFound {
		t.Errorf("an unknown flow: %d", p.status)
	}
}
