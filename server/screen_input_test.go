package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/flows"
)

// teamFlow asks for a seat count.
const teamFlow = `
id: team
steps:
  team:
    screen:
      title: Tell us about your team
      fields:
        - {name: company, label: Company, required: true, minLength: 2, maxLength: 80, pattern: '[A-Za-z0-9 ]+'}
        - {name: seats, type: number, label: Seats, required: true, min: 2, max: 500}
      buttons: [{id: continue, label: Finish}]
    next: [{goto: done}]
  done:
    end:
      output:
        seats: ${{ steps.team.output.seats }}
`

// addFlow loads a flow with the core kinds and makes it current on the test server's engine.
func (h *hosted) addFlow(name, src string) {
	h.t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		h.t.Fatal(err)
	}
	f, err := flows.NewLoader(reg).Load(name, []byte(src))
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.eng.AddFlow(context.Background(), f); err != nil {
		h.t.Fatal(err)
	}
}

// next answers the screen of an execution started through the API (not opened in a browser).
func (h *hosted) next(id string, started response, input map[string]any) response {
	h.t.Helper()
	obj := started.object(h.t)
	body, _ := json.Marshal(map[string]any{"stepId": obj["stepId"], "interaction": "continue", "nonce": obj["nonce"], "input": input})
	return h.api.call("POST", "/v1/executions/"+id+"/next", string(body))
}

// fieldMessages returns the field messages of the screen in a response, by field.
func fieldMessages(t *testing.T, r response) map[string]string {
	t.Helper()
	var resp struct {
		StepID string         `json:"stepId"`
		Screen actions.Screen `json:"screen"`
	}
	if err := json.Unmarshal([]byte(r.body), &resp); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	out := map[string]string{}
	for _, m := range resp.Screen.Messages {
		if m.Field != "" {
			out[m.Field] = m.Text
		}
	}
	return out
}

func TestANonFiniteNumberComesBackNextToItsField(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	h.addFlow("team.yaml", teamFlow)
	for _, typed := range []string{"NaN", "Inf", "-Infinity"} {
		started := h.api.call("POST", "/v1/flows/team/start", `{"userId":"ada"}`)
		id, _ := started.object(t)["executionId"].(string)
		r := h.next(id, started, map[string]any{"company": "Acme", "seats": typed})
		if r.status != http.StatusOK || fieldMessages(t, r)["seats"] != "Seats must be a number." {
			t.Errorf("seats %q over the API: %d %s", typed, r.status, r.body)
		}
		r = h.next(id, r, map[string]any{"company": "Acme", "seats": "3"})
		if out, _ := r.object(t)["output"].(map[string]any); r.status != http.StatusOK || out["seats"] != 3.0 {
			t.Errorf("seats 3 after %q: %d %s", typed, r.status, r.body)
		}
	}

	id, link := h.start("team", `{"userId":"ada"}`)
	a := h.browser()
	a.get(a.get(link).location)
	r := a.submit("continue", url.Values{"company": {"Acme"}, "seats": {"-Infinity"}})
	if r.status != http.StatusSeeOther || r.location != "/flows/run/"+id {
		t.Fatalf("submit: %d %q %s", r.status, r.location, r.body)
	}
	page := a.get(r.location).body
	if !strings.Contains(page, `<p class="error" id="f1-seats-error">Seats must be a number.</p>`) {
		t.Errorf("the page after -Infinity lacks the message next to Seats:\n%s", page)
	}
}

func TestAMisspelledFieldIsRefusedWithItsLikelyName(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	h.addFlow("team.yaml", teamFlow)
	started := h.api.call("POST", "/v1/flows/team/start", `{"userId":"ada"}`)
	id, _ := started.object(t)["executionId"].(string)
	r := h.next(id, started, map[string]any{"company": "Acme", "seets": "3"})
	fields, _ := r.errorBody(t)["fields"].(map[string]any)
	if r.status != http.StatusBadRequest || r.errorBody(t)["code"] != "invalid_input" ||
		fields["input.seets"] != `is not a field of screen "team" (did you mean "seats"?)` || len(fields) != 1 {
		t.Fatalf("a misspelled field: %d %s", r.status, r.body)
	}
	// Nothing moved: the same nonce answers with the right name.
	r = h.next(id, started, map[string]any{"company": "Acme", "seats": "3"})
	if out, _ := r.object(t)["output"].(map[string]any); r.status != http.StatusOK || out["seats"] != 3.0 {
		t.Fatalf("the corrected answer: %d %s", r.status, r.body)
	}

	// A hosted form posts its own fields besides the screen's, and goes on.
	id, link := h.start("team", `{"userId":"ada"}`)
	a := h.browser()
	a.get(a.get(link).location)
	r = a.submit("continue", url.Values{"company": {"Acme"}, "seats": {"4"}, "utm_source": {"mail"}})
	if r.status != http.StatusSeeOther || r.location != "/flows/run/"+id {
		t.Fatalf("submit: %d %q %s", r.status, r.location, r.body)
	}
	if x := h.api.call("GET", "/v1/executions/"+id, "").object(t); x["status"] != "completed" {
		t.Errorf("the hosted form did not finish the flow: %v", x)
	}
}

func TestFieldRulesReachTheAPIAndThePage(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	h.addFlow("team.yaml", teamFlow)
	started := h.api.call("POST", "/v1/flows/team/start", `{"userId":"ada"}`)
	id, _ := started.object(t)["executionId"].(string)
	fields, _ := started.object(t)["screen"].(map[string]any)["fields"].([]any)
	company, _ := fields[0].(map[string]any)
	seats, _ := fields[1].(map[string]any)
	if company["minLength"] != 2.0 || company["maxLength"] != 80.0 || company["pattern"] != "[A-Za-z0-9 ]+" || seats["min"] != 2.0 || seats["max"] != 500.0 {
		t.Errorf("the screen's fields lack their rules: %v %v", company, seats)
	}
	r := h.next(id, started, map[string]any{"company": "A", "seats": 1})
	if msgs := fieldMessages(t, r); r.status != http.StatusOK || msgs["seats"] != "Seats must be between 2 and 500." ||
		msgs["company"] != "Company must be between 2 and 80 characters long." {
		t.Fatalf("seats 1 and a one-letter company: %d %s", r.status, r.body)
	}
	if r = h.next(id, r, map[string]any{"company": "Acme!", "seats": 2}); fieldMessages(t, r)["company"] != "Company is not in the expected format." {
		t.Fatalf("a company off its pattern: %d %s", r.status, r.body)
	}

	_, link := h.start("team", `{"userId":"ada"}`)
	a := h.browser()
	page := a.get(a.get(link).location).body
	for _, want := range []string{
		`name="company" value="" required minlength="2" maxlength="80" pattern="[A-Za-z0-9 ]&#43;"`,
		`name="seats" value="" required inputmode="decimal" step="any" min="2" max="500"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s\n%s", want, page)
		}
	}
}
