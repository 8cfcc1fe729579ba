// Package schemacheck checks the generated flow schema with a JSON Schema validator: flows the loader
// accepts validate, and the typos the loader rejects are flagged by the schema as well.
package schemacheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
	"github.com/outflowhq/outflow/flows"
)

// lookupConfig is the config of a kind a host registers on top of the core kinds.
type lookupConfig struct {
	Source string                  `yaml:"source" required:"true"`
	Keys   actions.Value[[]string] `yaml:"keys"`
	Wait   time.Duration           `yaml:"wait"`
}

func registry(t *testing.T) *actions.Registry {
	t.Helper()
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		t.Fatal(err)
	}
	lookup := actions.Define(actions.Kind{
		Name:     "acme.lookup",
		Doc:      "Looks a record up.",
		Outcomes: []string{"missing"},
		Errors:   []string{"unavailable"},
		Outputs:  actions.Object(map[string]actions.Type{"count": actions.Number()}),
	}, func(context.Context, *actions.Call, *lookupConfig) (actions.Result, error) {
		return actions.Done(actions.Success, map[string]any{"count": 1.0}), nil
	})
	if err := reg.Add(lookup); err != nil {
		t.Fatal(err)
	}
	return reg
}

type setup struct {
	loader *flows.Loader
	schema *jsonschema.Schema
}

func newSetup(t *testing.T) setup {
	t.Helper()
	reg := registry(t)
	src, err := flows.Schema(reg)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("flow.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("flow.schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return setup{loader: flows.NewLoader(reg), schema: sch}
}

// validate checks a YAML flow against the schema.
func (s setup) validate(t *testing.T, src string) error {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("test flow is not YAML: %v", err)
	}
	b, err := json.Marshal(jsonValue(v))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return s.schema.Validate(inst)
}

// jsonValue turns a decoded YAML value into one encoding/json can write: mappings with non-string
// keys become objects keyed by the keys' text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
}

const goodFlow = `
id: signup
version: 2
description: >
  Asks for a plan, looks the team up and ends.
ttl: 30m
inputs:
  greeting: string
  seats:
    type: number
    default: 3
    description: Seats to start with.
steps:
  pick:
    description: The user picks a plan.
    screen:
      title: ${{ input.greeting + "!" }}
      fields:
        - name: plan
          type: select
          label: Plan
          required: true
          options:
            - {value: free, label: Free}
            - value: pro
              label: ${{ "Pro for " + string(input.seats) }}
        - name: key
          label: API key
          secret: true
          pattern: "sk-[a-z0-9]+"
      buttons:
        - {id: continue, label: Continue}
        - {id: cancel, label: Cancel, noValidate: true}
      messages:
        - {level: info, text: Pick one.}
    on:
      cancel: cancelled
    next:
      - when: form.plan == "pro" && input.seats > 2
        goto: lookup
      - when: false
        goto: cancelled
      - goto: done
  lookup:
    action: acme.lookup
    with:
      source: teams
      keys: ["name", "${{ form.plan }}"]
      wait: 1m30s
    timeout: 10s
    retry: {attempts: 3, backoff: 500ms, maxDelay: 5s, jitter: 0.5}
    on:
      missing: cancelled
    catch:
      unavailable: oops
      any: oops
    next: note
  note:
    action: set
    with:
      count: ${{ steps.lookup.output.count }}
      label: |-
        ${{ "seats: " +
            string(input.seats) }}
    next: done
  oops:
    action: fail
    with:
      code: lookup_failed
      message: The lookup failed.
  done:
    end:
      title: Done
      output:
        plan: ${{ steps.pick.output.plan }}
  cancelled:
    action: end
    with:
      redirectUrl: https://example.com/cancelled
`

// TestSchemaAcceptsWhatTheLoaderAccepts validates flows that load against the schema.
func TestSchemaAcceptsWhatTheLoaderAccepts(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	cases := map[string]string{"signup.yaml": goodFlow}
	dir := repoDir(t, "flows/testdata/graph")
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no flows in %s: %v", dir, err)
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases[filepath.Base(p)] = string(src)
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := s.loader.Load(name, []byte(src)); err != nil {
				t.Fatalf("the loader rejects the flow: %v", err)
			}
			if err := s.validate(t, src); err != nil {
				t.Errorf("the schema rejects a flow the loader accepts:\n%v", err)
			}
		})
	}
}

// TestSchemaFlagsMistakes checks that mistakes the loader rejects are flagged by the schema, so an
// editor shows them while the flow is written.
func TestSchemaFlagsMistakes(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	// mention is the key or the place the schema's complaint must name.
	for name, tc := range map[string]struct{ replace, with, mention string }{
		"misspelled step key":       {"    timeout: 10s\n", "    timout: 10s\n", "timout"},
		"misspelled button key":     {"{id: continue, label: Continue}", "{id: continue, lable: Continue}", "lable"},
		"misspelled field key":      {"          required: true\n", "          requird: true\n", "requird"},
		"misspelled flow key":       {"ttl: 30m\n", "tll: 30m\n", "tll"},
		"misspelled config key":     {"      source: teams\n", "      sourse: teams\n", "sourse"},
		"missing required config":   {"      code: lookup_failed\n", "", "code"},
		"unknown action":            {"action: acme.lookup", "action: acme.lokup", "/steps/lookup/action"},
		"misspelled retry key":      {"{attempts: 3,", "{atempts: 3,", "atempts"},
		"retry out of range":        {"{attempts: 3,", "{attempts: 30,", "/steps/lookup/retry/attempts"},
		"misspelled branch key":     {"        goto: lookup\n", "        got: lookup\n", "got"},
		"misspelled input key":      {"    default: 3\n", "    defualt: 3\n", "defualt"},
		"unknown input type":        {"greeting: string", "greeting: strng", "/inputs/greeting"},
		"condition in ${{ }}":       {`- when: form.plan == "pro" && input.seats > 2`, `- when: ${{ form.plan == "pro" }}`, "/steps/pick/next/0/when"},
		"duration without unit":     {"    timeout: 10s\n", "    timeout: \"10\"\n", "/steps/lookup/timeout"},
		"with under a screen":       {"    description: The user picks a plan.\n", "    with: {}\n", "/steps/pick/with"},
		"two kinds in one step":     {"    action: set\n", "    action: set\n    end: {}\n", "/steps/note"},
		"next after the end":        {"      redirectUrl: https://example.com/cancelled\n", "      redirectUrl: https://example.com/cancelled\n    next: done\n", "/steps/cancelled/next"},
		"unknown outcome":           {"      missing: cancelled\n", "      mising: cancelled\n", "mising"},
		"unknown error code":        {"      unavailable: oops\n", "      unavailble: oops\n", "unavailble"},
		"expression in a literal":   {"      wait: 1m30s\n", "      wait: ${{ input.greeting }}\n", "/steps/lookup/with/wait"},
		"list where text is wanted": {"      title: Done\n", "      title: [Done]\n", "/steps/done/end/title"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(goodFlow, tc.replace) {
				t.Fatalf("the flow has no %q", tc.replace)
			}
			src := strings.Replace(goodFlow, tc.replace, tc.with, 1)
			if _, err := s.loader.Load(name, []byte(src)); err == nil {
				t.Fatal("the loader accepts the flow, so this is not a mistake")
			}
			err := s.validate(t, src)
			switch {
			case err == nil:
				t.Error("the schema accepts a flow the loader rejects")
			case !strings.Contains(err.Error(), "'"+tc.mention+"'"):
				t.Errorf("the schema's complaint does not name %q:\n%v", tc.mention, err)
			}
		})
	}
}

// repoDir finds a folder of the repository from the test's working directory.
func repoDir(t *testing.T, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no %s above the working directory", rel)
		}
		dir = parent
	}
}
